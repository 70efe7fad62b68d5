#include "storage/tenant_limits.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

id_t dial(const test::campaign_setup& s) {
  auto lead = insert_lead(db(), s.tenant_id, test::lead_in(s.campaign.id));
  return journal_dialing(db(), s.plan, dial_candidate{lead.id, lead.phone, 0, 0})->attempt_id;
}

/// Ends the attempt's call at `ended_at` with `cost` cents.
void end_call(const test::campaign_setup& s, id_t attempt, std::int64_t cost, epoch_ms ended_at) {
  provider_call call;
  call.call_id = test::unique("call_");
  call.call_status = "ended";
  call.cost_cents = cost;
  call.start_timestamp = ended_at - 1000;
  call.end_timestamp = ended_at;
  record_call_progress(db(), s.tenant_id, attempt, attempt_state::ended, disposition::answered,
                       call);
}

TEST(tenant_limits, a_new_tenant_has_no_limits_and_limits_round_trip) {
  auto tenant = test::new_tenant();
  auto none = tenant_limits_of(db(), tenant);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->max_concurrent_calls);
  EXPECT_FALSE(none->monthly_budget_cents);
  auto stored = set_tenant_limits(db(), tenant, tenant_limits{25, 90'000});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->max_concurrent_calls, 25);
  EXPECT_EQ(stored->monthly_budget_cents, 90'000);
  auto cleared = set_tenant_limits(db(), tenant, tenant_limits{std::nullopt, 90'000});
  EXPECT_FALSE(cleared->max_concurrent_calls);
  EXPECT_EQ(tenant_limits_of(db(), tenant)->monthly_budget_cents, 90'000);
}

TEST(tenant_limits, an_unknown_tenant_has_none_and_nothing_is_written) {
  EXPECT_FALSE(tenant_limits_of(db(), 987'654'321));
  EXPECT_FALSE(set_tenant_limits(db(), 987'654'321, tenant_limits{1, 1}));
  auto standing = tenant_standing_of(db(), 987'654'321, 0);
  EXPECT_FALSE(standing.limits.max_concurrent_calls);
  EXPECT_EQ(standing.month_spent_cents, 0);
}

TEST(tenant_limits, the_database_refuses_a_cap_below_one_or_a_negative_budget) {
  auto tenant = test::new_tenant();
  EXPECT_THROW(set_tenant_limits(db(), tenant, tenant_limits{0, std::nullopt}), std::exception);
  EXPECT_THROW(set_tenant_limits(db(), tenant, tenant_limits{std::nullopt, -1}), std::exception);
  EXPECT_FALSE(tenant_limits_of(db(), tenant)->max_concurrent_calls) << "nothing changed";
}

TEST(tenant_limits, month_spend_counts_only_this_tenants_calls_ended_since_the_month_start) {
  auto s = test::new_campaign(test::new_tenant());
  auto other = test::new_campaign(test::new_tenant());
  const epoch_ms month_start = test::jan_1_2030;
  end_call(s, dial(s), 40, month_start - 1);  // last month
  end_call(s, dial(s), 25, month_start);      // first instant of the month
  end_call(s, dial(s), 10, month_start + 86'400'000);
  dial(s);  // still ringing: costs nothing yet
  end_call(other, dial(other), 999, month_start + 1000);
  set_tenant_limits(db(), s.tenant_id, tenant_limits{3, 500});
  auto standing = tenant_standing_of(db(), s.tenant_id, month_start);
  EXPECT_EQ(standing.month_spent_cents, 35);
  EXPECT_EQ(standing.limits.max_concurrent_calls, 3);
  EXPECT_EQ(standing.limits.monthly_budget_cents, 500);
}

TEST(tenant_limits, campaigns_to_follow_are_running_scheduled_or_with_open_attempts) {
  auto tenant = test::new_tenant();
  auto running = test::new_campaign(tenant);
  auto paused_with_call = test::new_campaign(tenant);
  auto draft = test::new_campaign(tenant);
  auto other_tenant = test::new_campaign(test::new_tenant());
  transition_campaign(db(), tenant, running.campaign.id, campaign_status::draft,
                      campaign_status::running);
  dial(paused_with_call);
  transition_campaign(db(), tenant, paused_with_call.campaign.id, campaign_status::draft,
                      campaign_status::paused);
  transition_campaign(db(), other_tenant.tenant_id, other_tenant.campaign.id,
                      campaign_status::draft, campaign_status::running);
  auto ids = campaigns_to_follow(db(), tenant);
  EXPECT_EQ(ids, (std::vector<id_t>{running.campaign.id, paused_with_call.campaign.id}));
  (void)draft;
}

}  // namespace
}  // namespace dialer::storage
