// Deterministic tests of the tenant actor: the lines and the monthly budget a tenant shares
// among its campaigns hold across campaigns, calls followed again after a restart count, and
// a tenant actor that fails is restarted with its campaigns.

#include <map>
#include <set>

#include "engine_test_bed.hpp"
#include "metric_reading.hpp"
#include "routing_store.hpp"

namespace dialer::actors::test {
namespace {

constexpr id_t tenant = 7;
constexpr id_t campaign_a = 70;
constexpr id_t campaign_b = 80;

/// Two campaigns of one tenant behind one engine_store, with the tenant's limits.
class campaign_stores final : public routing_store {
 public:
  std::map<id_t, fake_store*> by_campaign;
  tenant_limits limits;
  std::int64_t month_spent_cents = 0;
  int standing_reads = 0;

  fake_store& of(id_t, id_t campaign_id) override { return *by_campaign.at(campaign_id); }
  tenant_standing tenant_standing_of(id_t, epoch_ms) override {
    ++standing_reads;
    return tenant_standing{limits, month_spent_cents};
  }
};

class tenant_limits_test : public engine_test_bed {
 protected:
  tenant_limits_test() {
    init_campaign(a_, campaign_a, 1);
    init_campaign(b_, campaign_b, 1001);
    store_.by_campaign = {{campaign_a, &a_}, {campaign_b, &b_}};
    store_.stores = {&a_, &b_};
    ctx_->gateway = system_->spawn(stub_gateway, &provider_);
    start_engine(store_);
  }

  ~tenant_limits_test() override { stop_engine(); }

  static void init_campaign(fake_store& s, id_t campaign, id_t first_attempt) {
    s.plan.id = campaign;
    s.plan.tenant_id = tenant;
    s.plan.from_number = "+14155550100";
    s.plan.max_concurrent_calls = 3;
    s.plan.max_attempts = 1;
    s.plan.est_cost_per_call_cents = 100;
    s.next_attempt_id = first_attempt;
    s.add_leads(6);
  }

  void start(id_t campaign) { send_status(tenant, campaign, campaign_status::running); }

  /// Ends the oldest live call; each costs `cost` cents.
  void end_one(std::optional<std::int64_t> cost = std::nullopt) {
    auto attempt = *provider_.live.begin();
    provider_.live.erase(attempt);
    hang_up(tenant, attempt, cost);
  }

  std::size_t dials_of(id_t campaign) const {
    std::size_t n = 0;
    for (const auto& d : provider_.dials) n += d.campaign_id == campaign ? 1 : 0;
    return n;
  }

  /// The tenant's actor as root knows it.
  caf::actor tenant_actor() {
    caf::actor found;
    system_->spawn([&](caf::event_based_actor* self) {
      self->request(ctx_->root, caf::infinite, tenant_atom::value, tenant)
          .then([&](const caf::actor& a) { found = a; });
    });
    run();
    return found;
  }

  /// The tenant changed its limits (PUT /settings/limits), as the engine hears it.
  void limits_changed() {
    caf::anon_send(ctx_->root, limits_atom::value, tenant);
    run();
  }

  fake_store a_;
  fake_store b_;
  campaign_stores store_;
  provider_script provider_;
};

TEST_F(tenant_limits_test, the_tenant_cap_holds_across_its_campaigns_and_every_lead_ends) {
  store_.limits.max_concurrent_calls = 4;
  start(campaign_a);
  start(campaign_b);
  EXPECT_EQ(provider_.live.size(), 4u) << "two campaigns of cap 3 share the tenant's 4 lines";
  EXPECT_GE(dials_of(campaign_b), 1u) << "the second campaign gets the lines the first left";
  while (!provider_.live.empty()) {
    end_one();
    EXPECT_LE(provider_.live.size(), 4u);
  }
  EXPECT_EQ(provider_.peak, 4u);
  EXPECT_EQ(provider_.dials.size(), 12u);
  EXPECT_EQ(a_.count(lead_status::completed), 6);
  EXPECT_EQ(b_.count(lead_status::completed), 6);
  EXPECT_EQ(a_.status, campaign_status::completed);
  EXPECT_EQ(b_.status, campaign_status::completed);
  EXPECT_GT(series_value(registry_.Collect(), "dialer_dispatch_blocked_total",
                         {{"tenant", std::to_string(tenant)}, {"reason", "tenant_concurrency"}}),
            0)
      << "a dial held back by the tenant's cap is counted";
}

TEST_F(tenant_limits_test, without_tenant_limits_each_campaign_uses_its_own_cap) {
  start(campaign_a);
  start(campaign_b);
  EXPECT_EQ(provider_.live.size(), 6u);
  while (!provider_.live.empty()) end_one();
  EXPECT_EQ(provider_.dials.size(), 12u);
}

TEST_F(tenant_limits_test, a_raised_cap_lets_waiting_campaigns_dial_at_once) {
  store_.limits.max_concurrent_calls = 2;
  start(campaign_a);
  start(campaign_b);
  ASSERT_EQ(provider_.live.size(), 2u);
  store_.limits.max_concurrent_calls = 5;
  limits_changed();
  EXPECT_EQ(provider_.live.size(), 5u) << "the new cap applies without waiting for a call to end";
  store_.limits.max_concurrent_calls = 1;
  limits_changed();
  end_one();
  EXPECT_EQ(provider_.live.size(), 4u) << "a lowered cap makes no new dial until under it";
  while (!provider_.live.empty()) {
    end_one();
    EXPECT_LE(provider_.live.size(), 4u);
  }
  EXPECT_EQ(provider_.dials.size(), 12u);
  EXPECT_EQ(provider_.peak, 5u);
}

TEST_F(tenant_limits_test, the_monthly_budget_holds_across_campaigns_then_pauses_them) {
  store_.limits.monthly_budget_cents = 600;
  store_.month_spent_cents = 100;  // spent earlier this month: 5 calls of 100 fit
  start(campaign_a);
  start(campaign_b);
  EXPECT_EQ(provider_.live.size(), 5u) << "no hold beyond the month's budget";
  while (!provider_.live.empty()) end_one(100);
  EXPECT_EQ(provider_.dials.size(), 5u) << "spent + reserved never passed the budget";
  EXPECT_EQ(a_.status, campaign_status::paused) << "an exhausted month budget pauses";
  EXPECT_EQ(b_.status, campaign_status::paused);
  EXPECT_EQ(a_.count(lead_status::pending) + b_.count(lead_status::pending), 7)
      << "undialled leads wait for a raised budget";

  // The budget is raised and the campaigns resumed: dialling goes on within the new budget.
  store_.limits.monthly_budget_cents = 900;
  store_.month_spent_cents = 600;
  limits_changed();
  for (auto* s : {&a_, &b_}) s->status = campaign_status::running;
  start(campaign_a);
  start(campaign_b);
  EXPECT_EQ(provider_.live.size(), 3u);
  while (!provider_.live.empty()) end_one(100);
  EXPECT_EQ(provider_.dials.size(), 8u);
}

TEST_F(tenant_limits_test, a_call_cheaper_than_its_hold_gives_the_difference_back) {
  store_.limits.monthly_budget_cents = 300;
  start(campaign_a);
  ASSERT_EQ(provider_.live.size(), 3u);
  end_one(10);  // 10 spent, 200 held: room for one more hold of 100? 300 - 210 = 90: no
  EXPECT_EQ(provider_.live.size(), 2u);
  end_one(10);  // 20 spent, 100 held: 180 free, one more call
  EXPECT_EQ(provider_.live.size(), 2u);
  EXPECT_EQ(provider_.dials.size(), 4u);
}

TEST_F(tenant_limits_test, calls_followed_after_a_campaign_restart_keep_their_tenant_lines) {
  store_.limits.max_concurrent_calls = 2;
  start(campaign_a);
  ASSERT_EQ(provider_.live.size(), 2u);
  // The campaign actor dies: the tenant restarts it, and it follows its two calls again.
  caf::anon_send_exit(campaign_actor(campaign_a), caf::exit_reason::unhandled_exception);
  run();
  advance(std::chrono::milliseconds(100));
  ASSERT_TRUE(campaign_actor(campaign_a)) << "the tenant restarted its campaign";
  EXPECT_EQ(provider_.dials.size(), 2u) << "the calls followed again hold the tenant's 2 lines";
  start(campaign_b);
  EXPECT_EQ(dials_of(campaign_b), 0u) << "nor can another campaign take them";
  end_one();
  EXPECT_EQ(provider_.live.size(), 2u) << "a freed line is used again, by one of the two";
  while (!provider_.live.empty()) {
    end_one();
    EXPECT_LE(provider_.live.size(), 2u);
  }
  EXPECT_EQ(a_.count(lead_status::completed) + b_.count(lead_status::completed), 12);
}

TEST_F(tenant_limits_test, a_failed_tenant_actor_is_restarted_with_its_campaigns) {
  store_.limits.max_concurrent_calls = 3;
  start(campaign_a);
  start(campaign_b);
  ASSERT_EQ(provider_.live.size(), 3u);
  auto before = tenant_actor();
  ASSERT_TRUE(before);
  // The tenant actor dies: its campaigns and calls go with it (links), calls stay live at the
  // provider.
  caf::anon_send_exit(before, caf::exit_reason::unhandled_exception);
  run();
  EXPECT_FALSE(campaign_actor(campaign_a));
  advance(std::chrono::milliseconds(100));
  auto after = tenant_actor();
  ASSERT_TRUE(after) << "root restarted the tenant actor after its backoff";
  EXPECT_NE(after, before);
  EXPECT_TRUE(campaign_actor(campaign_a)) << "the new tenant actor started its campaigns";
  EXPECT_TRUE(campaign_actor(campaign_b));
  EXPECT_EQ(provider_.dials.size(), 3u) << "the 3 calls followed again hold the 3 lines";
  while (!provider_.live.empty()) {
    end_one();
    EXPECT_LE(provider_.live.size(), 3u);
  }
  EXPECT_EQ(provider_.dials.size(), 12u);
  EXPECT_EQ(a_.count(lead_status::completed) + b_.count(lead_status::completed), 12);
  EXPECT_EQ(series_value(registry_.Collect(), "dialer_actor_restarts_total", {{"kind", "tenant"}}),
            1);
}

}  // namespace
}  // namespace dialer::actors::test
