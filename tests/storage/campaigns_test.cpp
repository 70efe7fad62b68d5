#include "storage/campaigns.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include <tuple>
#include <pqxx/pqxx>

#include "storage/catalog.hpp"
#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

std::int64_t count_named(const std::vector<std::pair<std::string, std::int64_t>>& counts,
                         const std::string& name) {
  auto it =
      std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == name; });
  return it == counts.end() ? 0 : it->second;
}

TEST(campaigns, insert_stores_every_field_as_draft) {
  const id_t tenant = test::new_tenant();
  agent_row agent;
  agent.name = "Closer";
  agent.retell_agent_id = "agent_closer";
  auto a = insert_agent(db(), tenant, agent);

  campaign_row in;
  in.name = "Spring promo";
  in.agent_id = a.id;
  in.from_number = "+14155550100";
  in.timezone = "America/New_York";
  in.start_date = "2026-03-01T09:00:00Z";
  in.end_date = "2026-03-31T21:00:00Z";
  in.quiet_hours_json = R"({"weekdays": ["09:00-13:00", "14:00-20:00"], "sunday": "forbidden"})";
  in.max_concurrent_calls = 10;
  in.max_calls_per_hour = 100;
  in.max_calls_per_day = std::nullopt;
  in.calls_per_second = 3;
  in.budget_cents = 500000;
  in.est_cost_per_call_cents = 25;
  in.max_attempts = 4;
  in.retry = retry_policy{60, 120, 180, 240};
  in.lead_filters_json = R"({"country_iso": "US"})";
  in.exclude_dnc = false;
  in.metadata_json = R"({"owner": "ops"})";
  in.status = "running";  // ignored

  auto out = insert_campaign(db(), tenant, in);
  EXPECT_GT(out.id, 0);
  EXPECT_EQ(out.tenant_id, tenant);
  EXPECT_EQ(out.name, "Spring promo");
  EXPECT_EQ(out.agent_id, a.id);
  EXPECT_EQ(out.from_number, "+14155550100");
  EXPECT_EQ(out.timezone, "America/New_York");
  EXPECT_EQ(out.start_date, "2026-03-01T09:00:00Z");
  EXPECT_EQ(out.end_date, "2026-03-31T21:00:00Z");
  EXPECT_EQ(out.quiet_hours_json,
            R"({"sunday": "forbidden", "weekdays": ["09:00-13:00", "14:00-20:00"]})");
  EXPECT_EQ(out.max_concurrent_calls, 10);
  EXPECT_EQ(out.max_calls_per_hour, 100);
  EXPECT_FALSE(out.max_calls_per_day);
  EXPECT_EQ(out.calls_per_second, 3);
  EXPECT_EQ(out.budget_cents, 500000);
  EXPECT_EQ(out.est_cost_per_call_cents, 25);
  EXPECT_EQ(out.max_attempts, 4);
  EXPECT_EQ(out.retry.no_answer_s, 60);
  EXPECT_EQ(out.retry.busy_s, 120);
  EXPECT_EQ(out.retry.voicemail_s, 180);
  EXPECT_EQ(out.retry.failed_s, 240);
  EXPECT_EQ(out.lead_filters_json, R"({"country_iso": "US"})");
  EXPECT_FALSE(out.exclude_dnc);
  EXPECT_EQ(out.metadata_json, R"({"owner": "ops"})");
  EXPECT_EQ(out.status, "draft");
  EXPECT_EQ(out.created_at.size(), 20u);
  EXPECT_EQ(out.updated_at.size(), 20u);

  auto found = find_campaign(db(), tenant, out.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->quiet_hours_json, out.quiet_hours_json);

  auto plan = load_campaign_plan(db(), tenant, out.id);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->id, out.id);
  EXPECT_EQ(plan->tenant_id, tenant);
  EXPECT_EQ(plan->name, "Spring promo");
  EXPECT_EQ(plan->status, campaign_status::draft);
  EXPECT_EQ(plan->from_number, "+14155550100");
  EXPECT_EQ(plan->provider_agent_id, "agent_closer");
  EXPECT_EQ(plan->max_concurrent_calls, 10);
  EXPECT_EQ(plan->max_attempts, 4);
  EXPECT_EQ(plan->retry.busy_s, 120);
}

TEST(campaigns, the_plan_carries_the_registered_rate_of_its_caller_number) {
  const id_t tenant = test::new_tenant();
  const id_t other = test::new_tenant();
  auto setup = test::new_campaign(tenant);  // from +14155550100, not registered yet
  EXPECT_FALSE(setup.plan.number_calls_per_second) << "unregistered: the gateway's default";
  number_row elsewhere;
  elsewhere.e164 = "+14155550100";
  elsewhere.calls_per_second = 9;
  insert_number(db(), other, elsewhere);  // another tenant's number of the same digits
  EXPECT_FALSE(load_campaign_plan(db(), tenant, setup.campaign.id)->number_calls_per_second);
  number_row mine;
  mine.e164 = "+14155550100";
  mine.calls_per_second = 3;
  insert_number(db(), tenant, mine);
  EXPECT_EQ(load_campaign_plan(db(), tenant, setup.campaign.id)->number_calls_per_second, 3);
}

TEST(campaigns, a_campaign_cannot_use_another_tenants_agent) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  campaign_row c;
  c.name = "Stolen agent";
  c.agent_id = setup.agent_id;
  c.from_number = "+14155550100";
  EXPECT_THROW(insert_campaign(db(), b, c), storage_error);
}

TEST(campaigns, list_filters_by_status_newest_first_with_totals) {
  const id_t tenant = test::new_tenant();
  std::vector<id_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(test::new_campaign(tenant).campaign.id);
  transition_campaign(db(), tenant, ids[1], campaign_status::draft, campaign_status::running);

  auto all = list_campaigns(db(), tenant, "", 50, 0);
  EXPECT_EQ(all.total, 4);
  ASSERT_EQ(all.items.size(), 4u);
  EXPECT_EQ(all.items[0].id, ids[3]);
  EXPECT_EQ(all.items[3].id, ids[0]);

  auto page = list_campaigns(db(), tenant, "", 2, 1);
  EXPECT_EQ(page.total, 4);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, ids[2]);
  EXPECT_EQ(page.items[1].id, ids[1]);

  auto drafts = list_campaigns(db(), tenant, "draft", 50, 0);
  EXPECT_EQ(drafts.total, 3);
  auto running = list_campaigns(db(), tenant, "running", 50, 0);
  ASSERT_EQ(running.total, 1);
  EXPECT_EQ(running.items[0].id, ids[1]);
}

TEST(campaigns, transition_is_a_compare_and_set) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  const id_t id = setup.campaign.id;

  auto running =
      transition_campaign(db(), tenant, id, campaign_status::draft, campaign_status::running);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, "running");

  // Already moved on: the same transition does nothing.
  EXPECT_FALSE(
      transition_campaign(db(), tenant, id, campaign_status::draft, campaign_status::running));
  EXPECT_FALSE(
      transition_campaign(db(), tenant, id, campaign_status::paused, campaign_status::running));
  EXPECT_EQ(find_campaign(db(), tenant, id)->status, "running");

  auto paused =
      transition_campaign(db(), tenant, id, campaign_status::running, campaign_status::paused);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, "paused");
  EXPECT_FALSE(transition_campaign(db(), tenant, 99999999, campaign_status::paused,
                                   campaign_status::running));
}

TEST(campaigns, another_tenant_cannot_read_list_or_transition_them) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  const id_t id = setup.campaign.id;
  insert_lead(db(), a, test::lead_in(id));

  EXPECT_FALSE(find_campaign(db(), b, id));
  EXPECT_FALSE(load_campaign_plan(db(), b, id));
  EXPECT_EQ(list_campaigns(db(), b, "", 50, 0).total, 0);
  EXPECT_FALSE(transition_campaign(db(), b, id, campaign_status::draft, campaign_status::running));
  EXPECT_EQ(find_campaign(db(), a, id)->status, "draft");
  EXPECT_EQ(cancel_pending_leads(db(), b, id, "stolen"), 0);
  auto stats = stats_of_campaign(db(), b, id, test::jan_1_2030);
  EXPECT_EQ(stats.total_leads, 0);
}

TEST(campaigns, campaigns_in_status_spans_tenants) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto ca = test::new_campaign(a);
  auto cb = test::new_campaign(b);
  auto cc = test::new_campaign(b);
  transition_campaign(db(), a, ca.campaign.id, campaign_status::draft, campaign_status::running);
  transition_campaign(db(), b, cb.campaign.id, campaign_status::draft, campaign_status::running);
  auto running = campaigns_in_status(db(), campaign_status::running);
  auto has = [&](id_t id) {
    return std::any_of(running.begin(), running.end(), [&](const auto& c) { return c.id == id; });
  };
  EXPECT_TRUE(has(ca.campaign.id));
  EXPECT_TRUE(has(cb.campaign.id));
  EXPECT_FALSE(has(cc.campaign.id));
  for (const auto& c : running) EXPECT_EQ(c.status, "running");
}

TEST(campaigns, cancel_pending_leads_closes_only_pending_ones_of_that_campaign) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  auto other = test::new_campaign(tenant);
  auto l1 = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
  auto l2 = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
  auto busy = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
  auto elsewhere = insert_lead(db(), tenant, test::lead_in(other.campaign.id));
  ASSERT_TRUE(journal_dialing(db(), setup.plan, dial_candidate{busy.id, busy.phone, 0, 0}));

  EXPECT_EQ(cancel_pending_leads(db(), tenant, setup.campaign.id, "campaign_stopped"), 2);
  for (id_t id : {l1.id, l2.id}) {
    auto l = find_lead(db(), tenant, id);
    EXPECT_EQ(l->status, "cancelled");
    EXPECT_EQ(l->terminal_reason, "campaign_stopped");
  }
  EXPECT_EQ(find_lead(db(), tenant, busy.id)->status, "in_progress");
  EXPECT_EQ(find_lead(db(), tenant, elsewhere.id)->status, "pending");
  EXPECT_EQ(cancel_pending_leads(db(), tenant, setup.campaign.id, "again"), 0);
}

TEST(campaigns, stats_count_leads_attempts_calls_dispositions_and_blocks) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant, 3);
  const id_t cid = setup.campaign.id;
  const epoch_ms now = test::jan_1_2030;

  // Leads: 2 due now, 1 due later, 3 dialled below.
  std::vector<lead_row> leads;
  for (int i = 0; i < 6; ++i) {
    auto l = test::lead_in(cid);
    if (i == 2) l.next_attempt_at = "2030-01-02T00:00:00Z";
    leads.push_back(insert_lead(db(), tenant, l));
  }
  auto dial = [&](const lead_row& l) {
    return *journal_dialing(db(), setup.plan, dial_candidate{l.id, l.phone, 0, 0});
  };
  // Lead 3: answered, 90 s, 120 cents; lead 4: no answer, retried later; lead 5 in flight.
  auto a3 = dial(leads[3]);
  provider_call answered;
  answered.call_id = test::unique("call_");
  answered.call_status = "ended";
  answered.disconnection_reason = "user_hangup";
  answered.duration_ms = 90000;
  answered.cost_cents = 120;
  record_call_progress(db(), tenant, a3.attempt_id, attempt_state::ended, disposition::answered,
                       answered);
  lead_next_step done;
  done.status = lead_status::completed;
  done.terminal_reason = "answered";
  close_attempt(db(), tenant, a3.attempt_id, attempt_state::ended, disposition::answered, "", done);

  auto a4 = dial(leads[4]);
  provider_call unanswered;
  unanswered.call_id = test::unique("call_");
  unanswered.call_status = "not_connected";
  unanswered.disconnection_reason = "dial_no_answer";
  unanswered.duration_ms = 0;
  unanswered.cost_cents = 5;
  record_call_progress(db(), tenant, a4.attempt_id, attempt_state::not_connected,
                       disposition::no_answer, unanswered);
  lead_next_step retry;
  retry.status = lead_status::pending;
  retry.next_attempt_at = now + 3600000;
  close_attempt(db(), tenant, a4.attempt_id, attempt_state::not_connected, disposition::no_answer,
                "", retry);

  dial(leads[5]);

  db().transact([&](pqxx::dbtransaction& tx) {
    // Lead 3 waited for its window twice: one lead blocked by quiet hours, counted once.
    const std::vector<std::tuple<int, const char*, const char*>> blocks{
        {0, "dnc", "dnc"},
        {2, "dnc", "dnc"},
        {3, "quiet_hours", "outside_calling_hours"},
        {3, "quiet_hours", "outside_calling_hours"}};
    for (const auto& [lead, check, reason] : blocks)
      tx.exec_params0(
          "INSERT INTO compliance_checks (tenant_id, campaign_id, lead_id, allowed,"
          " blocked_check, block_reason) VALUES ($1, $2, $3, false, $4, $5)",
          tenant, cid, leads[lead].id, std::string(check), std::string(reason));
    tx.exec_params0(
        "INSERT INTO compliance_checks (tenant_id, campaign_id, lead_id, allowed)"
        " VALUES ($1, $2, $3, true)",
        tenant, cid, leads[1].id);
  });

  auto s = stats_of_campaign(db(), tenant, cid, now);
  EXPECT_EQ(s.total_leads, 6);
  EXPECT_EQ(s.calls_scheduled, 4);  // leads 0, 1, 2 and 4 (one attempt used of three)
  EXPECT_EQ(s.calls_queued, 2);     // leads 0 and 1; 2 and 4 are due later
  EXPECT_EQ(s.leads_terminal, 1);
  EXPECT_EQ(s.calls_in_progress, 1);
  EXPECT_EQ(s.calls_completed, 1);
  EXPECT_EQ(s.calls_failed, 1);
  EXPECT_DOUBLE_EQ(s.average_duration_seconds, 90.0);
  EXPECT_EQ(s.spent_cents, 125);
  EXPECT_EQ(s.reserved_cents, 0);
  EXPECT_EQ(s.dispositions.size(), 2u);
  EXPECT_EQ(count_named(s.dispositions, "answered"), 1);
  EXPECT_EQ(count_named(s.dispositions, "no_answer"), 1);
  EXPECT_EQ(s.blocked.size(), 2u);
  EXPECT_EQ(count_named(s.blocked, "dnc"), 2);
  EXPECT_EQ(count_named(s.blocked, "quiet_hours"), 1);
  EXPECT_EQ(count_named(s.block_reasons, "outside_calling_hours"), 1);

  // Later, lead 2 and the retry of lead 4 are due as well.
  auto later = stats_of_campaign(db(), tenant, cid, now + 2 * 86400000LL);
  EXPECT_EQ(later.calls_queued, 4);
}

TEST(campaigns, stats_of_an_empty_campaign_are_zero) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  auto s = stats_of_campaign(db(), tenant, setup.campaign.id, test::jan_1_2030);
  EXPECT_EQ(s.total_leads, 0);
  EXPECT_EQ(s.calls_in_progress, 0);
  EXPECT_EQ(s.spent_cents, 0);
  EXPECT_EQ(s.average_duration_seconds, 0.0);
  EXPECT_TRUE(s.dispositions.empty());
  EXPECT_TRUE(s.blocked.empty());
}

}  // namespace
}  // namespace dialer::storage
