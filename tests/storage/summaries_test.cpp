#include "storage/summaries.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "core/clock.hpp"
#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

epoch_ms now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A tenant's campaign with calls made today: one answered (cost 30, 60 s), one busy (cost 5),
/// and one still ringing.
struct calling_fixture {
  test::campaign_setup setup;
  id_t ringing_attempt = 0;
};

id_t dial(const test::campaign_setup& s) {
  auto lead = insert_lead(db(), s.tenant_id, test::lead_in(s.campaign.id));
  return journal_dialing(db(), s.plan, dial_candidate{lead.id, lead.phone, 0, 0})->attempt_id;
}

void end_call(const test::campaign_setup& s, id_t attempt, disposition outcome, std::int64_t cost,
              std::int64_t duration_ms) {
  provider_call call;
  call.call_id = test::unique("call_");
  call.call_status = "ended";
  call.cost_cents = cost;
  call.duration_ms = duration_ms;
  record_call_progress(db(), s.tenant_id, attempt, attempt_state::ended, outcome, call);
}

calling_fixture calling() {
  calling_fixture f;
  f.setup = test::new_campaign(test::new_tenant());
  end_call(f.setup, dial(f.setup), disposition::answered, 30, 60'000);
  end_call(f.setup, dial(f.setup), disposition::busy, 5, 0);
  f.ringing_attempt = dial(f.setup);
  return f;
}

std::int64_t count_named(const std::vector<std::pair<std::string, std::int64_t>>& counts,
                         const std::string& name) {
  for (const auto& [n, v] : counts)
    if (n == name) return v;
  return 0;
}

TEST(summaries, daily_activity_lists_every_day_with_today_last) {
  auto f = calling();
  const epoch_ms now = now_ms();
  auto days = daily_activity_of(db(), f.setup.tenant_id, now, 7);
  ASSERT_EQ(days.size(), 7u);
  EXPECT_EQ(days.back().date, format_iso8601(now).substr(0, 10));
  const auto& today = days.back();
  EXPECT_EQ(today.calls, 3);
  EXPECT_EQ(today.answered, 1);
  EXPECT_EQ(today.completed, 2);  // both ended calls connected as far as the journal knows
  EXPECT_EQ(today.failed, 0);
  EXPECT_EQ(today.cost_cents, 35);
  EXPECT_EQ(today.duration_seconds, 60);
  for (std::size_t i = 0; i + 1 < days.size(); ++i) EXPECT_EQ(days[i].calls, 0) << days[i].date;
  EXPECT_EQ(daily_activity_of(db(), f.setup.tenant_id, now, 1).size(), 1u);
}

TEST(summaries, outcomes_count_by_disposition_and_state_with_filters) {
  auto f = calling();
  const id_t tenant = f.setup.tenant_id;
  auto all = outcomes_of(db(), tenant, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(all.total, 3);
  EXPECT_EQ(count_named(all.dispositions, "answered"), 1);
  EXPECT_EQ(count_named(all.dispositions, "busy"), 1);
  EXPECT_EQ(count_named(all.states, "ended"), 2);
  EXPECT_EQ(count_named(all.states, "dialing"), 1);

  auto other = test::new_campaign(tenant);
  EXPECT_EQ(outcomes_of(db(), tenant, other.campaign.id, std::nullopt, std::nullopt).total, 0);
  EXPECT_EQ(outcomes_of(db(), tenant, f.setup.campaign.id, std::nullopt, std::nullopt).total, 3);
  EXPECT_EQ(
      outcomes_of(db(), tenant, std::nullopt, std::string("2999-01-01T00:00:00Z"), std::nullopt)
          .total,
      0);
  EXPECT_EQ(
      outcomes_of(db(), tenant, std::nullopt, std::nullopt, std::string("2000-01-01T00:00:00Z"))
          .total,
      0);
}

TEST(summaries, lines_in_use_count_calls_not_yet_released) {
  auto f = calling();
  const id_t tenant = f.setup.tenant_id;
  auto lines = lines_in_use(db(), tenant);
  ASSERT_EQ(lines.size(), 1u);  // a draft campaign is listed because a call holds a line
  EXPECT_EQ(lines[0].campaign_id, f.setup.campaign.id);
  EXPECT_EQ(lines[0].active_calls, 1);
  EXPECT_EQ(lines[0].max_concurrent_calls, 5);
  end_call(f.setup, f.ringing_attempt, disposition::no_answer, 0, 0);
  EXPECT_TRUE(lines_in_use(db(), tenant).empty());
}

TEST(summaries, cost_of_the_day_adds_up_per_campaign_and_month) {
  auto f = calling();
  const id_t tenant = f.setup.tenant_id;
  auto second = test::new_campaign(tenant);
  end_call(second, dial(second), disposition::answered, 100, 1000);
  auto cost = cost_of_day(db(), tenant, now_ms());
  EXPECT_EQ(cost.date, format_iso8601(now_ms()).substr(0, 10));
  EXPECT_EQ(cost.calls, 4);
  EXPECT_EQ(cost.spent_cents, 135);
  EXPECT_EQ(cost.month_to_date_cents, 135);
  ASSERT_EQ(cost.by_campaign.size(), 2u);
  EXPECT_EQ(cost.by_campaign[0], (std::pair<id_t, std::int64_t>{f.setup.campaign.id, 35}));
  EXPECT_EQ(cost.by_campaign[1], (std::pair<id_t, std::int64_t>{second.campaign.id, 100}));
  // A day long past spent nothing.
  EXPECT_EQ(cost_of_day(db(), tenant, test::jan_1_2030 - 10LL * 365 * 86'400'000).spent_cents, 0);
}

TEST(summaries, another_tenant_sees_none_of_it) {
  auto f = calling();
  const id_t other = test::new_tenant();
  const epoch_ms now = now_ms();
  for (const auto& d : daily_activity_of(db(), other, now, 3)) EXPECT_EQ(d.calls, 0);
  EXPECT_EQ(outcomes_of(db(), other, std::nullopt, std::nullopt, std::nullopt).total, 0);
  EXPECT_EQ(outcomes_of(db(), other, f.setup.campaign.id, std::nullopt, std::nullopt).total, 0);
  EXPECT_TRUE(lines_in_use(db(), other).empty());
  auto cost = cost_of_day(db(), other, now);
  EXPECT_EQ(cost.calls, 0);
  EXPECT_EQ(cost.spent_cents, 0);
  EXPECT_TRUE(cost.by_campaign.empty());
}

}  // namespace
}  // namespace dialer::storage
