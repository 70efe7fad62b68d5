#include "core/budget_ledger.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace dialer {
namespace {

TEST(budget_ledger, reserve_and_settle_at_the_edge) {
  budget_ledger ledger(1000);
  auto a = ledger.reserve(400);
  ASSERT_TRUE(a.hold);
  EXPECT_EQ(a.signal, budget_signal::none);
  auto b = ledger.reserve(400);
  ASSERT_TRUE(b.hold);
  EXPECT_EQ(b.signal, budget_signal::warning);  // 800 of 1000 committed
  EXPECT_EQ(ledger.level(), budget_level::warning);

  auto refused = ledger.reserve(201);
  EXPECT_FALSE(refused.hold);
  EXPECT_EQ(refused.signal, budget_signal::exhausted);
  EXPECT_EQ(ledger.spent() + ledger.reserved(), 800);

  // The first call cost less than held: the difference goes back.
  EXPECT_EQ(ledger.settle(*a.hold, 150), budget_signal::none);
  EXPECT_EQ(ledger.spent(), 150);
  EXPECT_EQ(ledger.reserved(), 400);
  EXPECT_EQ(ledger.available(), 450);
  EXPECT_EQ(ledger.level(), budget_level::normal);

  auto c = ledger.reserve(450);  // exactly the rest
  ASSERT_TRUE(c.hold);
  EXPECT_EQ(c.signal, budget_signal::exhausted);
  EXPECT_EQ(ledger.spent() + ledger.reserved(), 1000);
  EXPECT_FALSE(ledger.reserve(1).hold);
  EXPECT_TRUE(ledger.reserve(0).hold == std::nullopt);  // exhausted: nothing more, not even 0

  ledger.release(*c.hold);  // that call never happened
  EXPECT_EQ(ledger.available(), 450);
  EXPECT_EQ(ledger.settle(*b.hold, 400), budget_signal::none);
  EXPECT_EQ(ledger.spent(), 550);
  EXPECT_EQ(ledger.reserved(), 0);
  EXPECT_EQ(ledger.overrun(), 0);
}

TEST(budget_ledger, a_cost_above_its_hold_is_reported_as_overrun) {
  budget_ledger ledger(100);
  auto h = ledger.reserve(90);
  ASSERT_TRUE(h.hold);
  EXPECT_EQ(ledger.settle(*h.hold, 130), budget_signal::exhausted);
  EXPECT_EQ(ledger.spent(), 130);
  EXPECT_EQ(ledger.overrun(), 30);
  EXPECT_EQ(ledger.available(), 0);
  EXPECT_FALSE(ledger.reserve(1).hold);
}

TEST(budget_ledger, spent_plus_reserved_never_exceeds_the_budget) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    const std::int64_t budget = std::uniform_int_distribution<std::int64_t>(0, 5000)(rng);
    budget_ledger ledger(budget);
    std::vector<budget_hold> open;
    bool warned = false, exhausted = false;
    for (int step = 0; step < 500; ++step) {
      const int op = std::uniform_int_distribution<int>(0, 2)(rng);
      if (op == 0 || open.empty()) {
        auto r = ledger.reserve(std::uniform_int_distribution<std::int64_t>(0, 300)(rng));
        if (r.hold) open.push_back(*r.hold);
        warned = warned || r.signal == budget_signal::warning;
        exhausted = exhausted || r.signal == budget_signal::exhausted;
      } else {
        const std::size_t i = std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng);
        if (op == 1)
          ledger.settle(open[i],
                        std::uniform_int_distribution<std::int64_t>(0, open[i].amount_cents)(rng));
        else
          ledger.release(open[i]);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
      }
      ASSERT_LE(ledger.spent() + ledger.reserved(), ledger.budget());
      ASSERT_GE(ledger.reserved(), 0);
    }
    if (budget > 1000) {
      EXPECT_TRUE(warned || ledger.level() == budget_level::normal);
      EXPECT_TRUE(exhausted);
    }
  }
}

TEST(budget_ledger, campaign_and_tenant_are_reserved_together) {
  budget_ledger campaign(1000), tenant(1000, 600, 100);  // tenant restarted at 70%
  auto r = reserve_on_both(campaign, tenant, 100);
  ASSERT_TRUE(r.hold);
  EXPECT_EQ(r.campaign_signal, budget_signal::none);
  EXPECT_EQ(r.tenant_signal, budget_signal::warning);
  EXPECT_EQ(tenant.reserved(), 200);
  auto refused = reserve_on_both(campaign, tenant, 250);
  EXPECT_FALSE(refused.hold);
  EXPECT_EQ(refused.tenant_signal, budget_signal::exhausted);
  EXPECT_EQ(campaign.reserved(), 100);  // the campaign's hold was given back
  EXPECT_EQ(to_string(budget_signal::exhausted), "exhausted");
}

}  // namespace
}  // namespace dialer
