#include "core/tenant_allowance.hpp"

#include <gtest/gtest.h>

#include <random>

namespace dialer {
namespace {

TEST(tenant_allowance, without_limits_every_line_asked_is_granted) {
  tenant_allowance t;
  auto g = t.grant(50, 100);
  EXPECT_EQ(g.lines, 50);
  EXPECT_EQ(g.refused, tenant_refusal::none);
  EXPECT_EQ(t.lines_in_use(), 50);
  EXPECT_FALSE(t.lines_free());
  t.release(50, 5000, 1234);
  EXPECT_EQ(t.lines_in_use(), 0);
  EXPECT_EQ(t.reserved_cents(), 0);
  EXPECT_EQ(t.spent_cents(), 1234);
}

TEST(tenant_allowance, the_cap_grants_what_is_left_and_says_why) {
  tenant_allowance t(tenant_limits{5, std::nullopt});
  EXPECT_EQ(t.grant(3, 0).lines, 3);
  auto g = t.grant(3, 0);
  EXPECT_EQ(g.lines, 2);
  EXPECT_EQ(g.refused, tenant_refusal::concurrency);
  EXPECT_EQ(t.grant(1, 0).lines, 0);
  EXPECT_EQ(*t.lines_free(), 0);
  t.release(1, 0, 0);
  EXPECT_EQ(t.grant(4, 0).lines, 1);
}

TEST(tenant_allowance, the_month_budget_counts_spend_and_holds) {
  tenant_allowance t(tenant_limits{std::nullopt, 1000}, 300);  // 700 left this month
  auto g = t.grant(10, 200);
  EXPECT_EQ(g.lines, 3) << "3 holds of 200 fit in 700, a 4th does not";
  EXPECT_EQ(g.refused, tenant_refusal::budget);
  EXPECT_EQ(g.signal, budget_signal::exhausted);
  EXPECT_EQ(t.reserved_cents(), 600);
  // A call cheaper than its hold gives the difference back.
  EXPECT_EQ(t.release(1, 200, 50), budget_signal::none);
  EXPECT_EQ(t.spent_cents(), 350);
  EXPECT_EQ(t.reserved_cents(), 400);
  EXPECT_EQ(t.grant(1, 200).lines, 1);
  EXPECT_EQ(t.grant(1, 200).lines, 0);
}

TEST(tenant_allowance, crossing_80_percent_warns_once) {
  tenant_allowance t(tenant_limits{std::nullopt, 1000});
  EXPECT_EQ(t.grant(7, 100).signal, budget_signal::none);
  EXPECT_EQ(t.grant(1, 100).signal, budget_signal::warning);
  EXPECT_EQ(t.grant(1, 100).signal, budget_signal::none);
}

TEST(tenant_allowance, an_exhausted_budget_refuses_even_free_calls) {
  tenant_allowance t(tenant_limits{std::nullopt, 500}, 500);
  auto g = t.grant(2, 0);
  EXPECT_EQ(g.lines, 0);
  EXPECT_EQ(g.refused, tenant_refusal::budget);
}

TEST(tenant_allowance, calls_followed_again_count_even_over_the_cap) {
  tenant_allowance t(tenant_limits{2, std::nullopt});
  t.take(3, 100);
  EXPECT_EQ(t.lines_in_use(), 3);
  EXPECT_EQ(*t.lines_free(), 0);
  EXPECT_EQ(t.grant(1, 100).lines, 0);
  t.release(2, 200, 200);
  EXPECT_EQ(t.grant(5, 100).lines, 1);
}

TEST(tenant_allowance, new_limits_keep_the_lines_and_holds_in_use) {
  tenant_allowance t(tenant_limits{4, 1000});
  ASSERT_EQ(t.grant(4, 100).lines, 4);
  t.reset(tenant_limits{2, 2000}, 0);
  EXPECT_EQ(t.lines_in_use(), 4);
  EXPECT_EQ(t.reserved_cents(), 400);
  EXPECT_EQ(t.grant(1, 100).lines, 0) << "a lowered cap grants nothing until under it";
  t.release(3, 300, 300);
  EXPECT_EQ(t.grant(5, 100).lines, 1);
}

TEST(tenant_allowance, random_operations_never_pass_the_cap_or_the_budget) {
  std::mt19937 rng(7);
  tenant_allowance t(tenant_limits{10, 5000});
  std::vector<std::int64_t> held;  // one entry per line in use
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 2 == 0) {
      std::int32_t want = 1 + static_cast<std::int32_t>(rng() % 4);
      std::int64_t cost = static_cast<std::int64_t>(rng() % 300);
      auto g = t.grant(want, cost);
      ASSERT_LE(g.lines, want);
      for (int i = 0; i < g.lines; ++i) held.push_back(cost);
    } else if (!held.empty()) {
      auto hold = held.back();
      held.pop_back();
      // Calls cost at most their hold, as the promise assumes.
      t.release(1, hold, hold == 0 ? 0 : static_cast<std::int64_t>(rng() % (hold + 1)));
    }
    ASSERT_LE(t.lines_in_use(), 10);
    ASSERT_EQ(t.lines_in_use(), static_cast<std::int32_t>(held.size()));
    ASSERT_LE(t.spent_cents() + t.reserved_cents(), 5000) << "step " << step;
  }
}

TEST(month_bounds, months_are_utc_calendar_months) {
  // 2026-02-14T23:59:59.999Z
  const std::int64_t feb14 = 1'771'113'599'999;
  EXPECT_EQ(month_start_utc(feb14), 1'769'904'000'000);       // 2026-02-01T00:00:00Z
  EXPECT_EQ(next_month_start_utc(feb14), 1'772'323'200'000);  // 2026-03-01T00:00:00Z
  // December rolls into the next year; the first instant of a month is in that month.
  const std::int64_t dec31 = 1'798'761'599'999;               // 2026-12-31T23:59:59.999Z
  EXPECT_EQ(next_month_start_utc(dec31), 1'798'761'600'000);  // 2027-01-01T00:00:00Z
  EXPECT_EQ(month_start_utc(1'798'761'600'000), 1'798'761'600'000);
}

}  // namespace
}  // namespace dialer
