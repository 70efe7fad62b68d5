#include "storage/dial_journal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/campaigns.hpp"
#include "storage/compliance.hpp"
#include "storage/group_commit.hpp"
#include "storage/leads.hpp"
#include "storage/webhook_inbox.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;
using test::jan_1_2030;

dial_candidate candidate_of(const lead_row& l) {
  return dial_candidate{l.id, l.phone, l.attempts, l.priority};
}

std::vector<id_t> ids_of(const std::vector<dial_candidate>& cs) {
  std::vector<id_t> ids;
  for (const auto& c : cs) ids.push_back(c.lead_id);
  return ids;
}

/// A tenant with a campaign and one lead in it, journalled as dialing.
struct dialing_fixture {
  test::campaign_setup setup;
  lead_row lead;
  dial_attempt attempt;
};

dialing_fixture dialing(std::int32_t max_attempts = 3) {
  dialing_fixture f;
  f.setup = test::new_campaign(test::new_tenant(), max_attempts);
  f.lead = insert_lead(db(), f.setup.tenant_id, test::lead_in(f.setup.campaign.id));
  f.attempt = *journal_dialing(db(), f.setup.plan, candidate_of(f.lead));
  return f;
}

std::string attempt_state_of(id_t attempt_id) {
  return std::string(to_string(find_attempt(db(), attempt_id)->state));
}

lead_next_step pending_at(epoch_ms at, bool counts = true) {
  lead_next_step s;
  s.status = lead_status::pending;
  s.next_attempt_at = at;
  s.counts_as_attempt = counts;
  return s;
}

TEST(dial_journal, candidates_are_ordered_by_priority_then_due_time_then_id) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  const id_t cid = setup.campaign.id;
  auto add = [&](std::int32_t priority, std::optional<std::string> next_at) {
    auto l = test::lead_in(cid, priority);
    l.next_attempt_at = std::move(next_at);
    return insert_lead(db(), tenant, l).id;
  };
  const id_t low = add(0, std::nullopt);
  const id_t high_later = add(5, "2029-12-31T12:00:00Z");
  const id_t high_never = add(5, std::nullopt);
  const id_t high_earlier = add(5, "2029-12-31T06:00:00Z");
  const id_t low_second = add(0, std::nullopt);
  const id_t not_due = add(9, "2030-01-01T00:00:01Z");
  const id_t due_exactly = add(1, "2030-01-01T00:00:00Z");

  auto all = next_dial_candidates(db(), tenant, cid, jan_1_2030, 100, {});
  const auto all_ids = ids_of(all);
  EXPECT_EQ(all_ids, (std::vector<id_t>{high_never, high_earlier, high_later, due_exactly, low,
                                        low_second}));
  EXPECT_EQ(std::count(all_ids.begin(), all_ids.end(), not_due), 0);

  auto first_two = next_dial_candidates(db(), tenant, cid, jan_1_2030, 2, {});
  EXPECT_EQ(ids_of(first_two), (std::vector<id_t>{high_never, high_earlier}));

  auto excluding = next_dial_candidates(db(), tenant, cid, jan_1_2030, 3, {high_never, low});
  EXPECT_EQ(ids_of(excluding), (std::vector<id_t>{high_earlier, high_later, due_exactly}));

  auto later = next_dial_candidates(db(), tenant, cid, jan_1_2030 + 1000, 1, {});
  EXPECT_EQ(ids_of(later), (std::vector<id_t>{not_due}));

  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].priority, 5);
  EXPECT_EQ(all[0].attempts, 0);
  EXPECT_EQ(all[0].phone, find_lead(db(), tenant, high_never)->phone);
}

TEST(dial_journal, candidates_skip_leads_not_pending_and_other_campaigns) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  auto other = test::new_campaign(tenant);
  auto dialled = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
  auto waiting = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
  insert_lead(db(), tenant, test::lead_in(other.campaign.id));
  insert_lead(db(), tenant, test::lead_in(std::nullopt));
  ASSERT_TRUE(journal_dialing(db(), setup.plan, candidate_of(dialled)));

  auto cs = next_dial_candidates(db(), tenant, setup.campaign.id, jan_1_2030, 10, {});
  EXPECT_EQ(ids_of(cs), std::vector<id_t>{waiting.id});
}

TEST(dial_journal, earliest_pending_and_open_lead_count) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  const id_t cid = setup.campaign.id;
  EXPECT_FALSE(earliest_pending_at(db(), tenant, cid));
  EXPECT_EQ(open_lead_count(db(), tenant, cid), 0);

  auto l1 = test::lead_in(cid);
  l1.next_attempt_at = "2030-01-01T00:00:00Z";
  auto l2 = test::lead_in(cid);
  l2.next_attempt_at = "2030-01-01T01:00:00Z";
  auto first = insert_lead(db(), tenant, l1);
  insert_lead(db(), tenant, l2);
  EXPECT_EQ(earliest_pending_at(db(), tenant, cid), jan_1_2030);
  EXPECT_EQ(open_lead_count(db(), tenant, cid), 2);

  // A pending lead that was never scheduled is due at once.
  auto unscheduled = insert_lead(db(), tenant, test::lead_in(cid));
  EXPECT_EQ(earliest_pending_at(db(), tenant, cid), 0);

  // In progress still counts as open; cancelled does not.
  ASSERT_TRUE(journal_dialing(db(), setup.plan, candidate_of(unscheduled)));
  EXPECT_EQ(earliest_pending_at(db(), tenant, cid), jan_1_2030);
  EXPECT_EQ(open_lead_count(db(), tenant, cid), 3);
  ASSERT_TRUE(journal_dialing(db(), setup.plan, candidate_of(first)));
  EXPECT_EQ(earliest_pending_at(db(), tenant, cid), jan_1_2030 + 3600000);
  cancel_pending_leads(db(), tenant, cid, "stopped");
  EXPECT_FALSE(earliest_pending_at(db(), tenant, cid));
  EXPECT_EQ(open_lead_count(db(), tenant, cid), 2);
}

TEST(dial_journal, journal_dialing_records_the_attempt_and_marks_the_lead_in_progress) {
  auto setup = test::new_campaign(test::new_tenant());
  const id_t tenant = setup.tenant_id;
  auto lead = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));

  auto stale = candidate_of(lead);
  stale.phone = "+10000000000";  // the journal dials the stored number
  auto a = journal_dialing(db(), setup.plan, stale);
  ASSERT_TRUE(a);
  EXPECT_GT(a->attempt_id, 0);
  EXPECT_EQ(a->tenant_id, tenant);
  EXPECT_EQ(a->campaign_id, setup.campaign.id);
  EXPECT_EQ(a->lead_id, lead.id);
  EXPECT_EQ(a->attempt_no, 1);
  EXPECT_EQ(a->from_number, setup.plan.from_number);
  EXPECT_EQ(a->to_number, lead.phone);
  EXPECT_EQ(a->provider_agent_id, setup.plan.provider_agent_id);

  auto stored = find_attempt(db(), a->attempt_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->state, attempt_state::dialing);
  EXPECT_EQ(stored->provider_call_id, "");
  EXPECT_EQ(stored->attempt.to_number, lead.phone);
  EXPECT_EQ(stored->attempt.provider_agent_id, setup.plan.provider_agent_id);

  auto l = find_lead(db(), tenant, lead.id);
  EXPECT_EQ(l->status, "in_progress");
  EXPECT_EQ(l->attempts, 1);
}

TEST(dial_journal, journal_dialing_refuses_a_lead_that_is_not_pending) {
  auto f = dialing();
  EXPECT_FALSE(journal_dialing(db(), f.setup.plan, candidate_of(f.lead)));

  cancel_pending_leads(db(), f.setup.tenant_id, f.setup.campaign.id, "stopped");
  auto cancelled = insert_lead(db(), f.setup.tenant_id, test::lead_in(f.setup.campaign.id));
  cancel_pending_leads(db(), f.setup.tenant_id, f.setup.campaign.id, "stopped");
  EXPECT_FALSE(journal_dialing(db(), f.setup.plan, candidate_of(cancelled)));

  call_filter all;
  EXPECT_EQ(list_calls(db(), f.setup.tenant_id, all).total, 1);
}

TEST(dial_journal, journal_dialing_refuses_leads_of_other_campaigns_and_tenants) {
  auto f = dialing();
  auto other_campaign = test::new_campaign(f.setup.tenant_id);
  auto lead = insert_lead(db(), f.setup.tenant_id, test::lead_in(other_campaign.campaign.id));
  EXPECT_FALSE(journal_dialing(db(), f.setup.plan, candidate_of(lead)));

  auto intruder = test::new_campaign(test::new_tenant());
  EXPECT_FALSE(journal_dialing(db(), intruder.plan, candidate_of(lead)));
  EXPECT_EQ(find_lead(db(), f.setup.tenant_id, lead.id)->status, "pending");
}

TEST(dial_journal, concurrent_journal_dialing_of_one_lead_has_exactly_one_winner) {
  for (int round = 0; round < 5; ++round) {
    auto setup = test::new_campaign(test::new_tenant());
    auto lead = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
    database second(test::db_url(), 1);
    std::atomic<int> wins{0};
    std::atomic<bool> go{false};
    auto contender = [&](database& pool) {
      while (!go) std::this_thread::yield();
      if (journal_dialing(pool, setup.plan, candidate_of(lead))) ++wins;
    };
    std::thread t1(contender, std::ref(db()));
    std::thread t2(contender, std::ref(second));
    go = true;
    t1.join();
    t2.join();
    EXPECT_EQ(wins.load(), 1);
    call_filter f;
    f.lead_id = lead.id;
    EXPECT_EQ(list_calls(db(), setup.tenant_id, f).total, 1);
    EXPECT_EQ(find_lead(db(), setup.tenant_id, lead.id)->attempts, 1);
  }
}

/// A gate that records what it was shown and decides `allowed` (blocked: outside hours, due
/// again at `next`).
struct recording_gate {
  bool allowed = true;
  epoch_ms next = jan_1_2030 + 3600000;
  std::vector<dial_subject> seen;

  dial_gate gate() {
    return [this](const dial_subject& subject) {
      seen.push_back(subject);
      compliance_verdict v;
      v.decision.allowed = allowed;
      v.decision.checks.fill(check_status::passed);
      if (!allowed) {
        v.decision.reason = block_reason::outside_calling_hours;
        v.decision.checks[static_cast<std::size_t>(compliance_check::quiet_hours)] =
            check_status::blocked;
        v.decision.next_allowed_at = next;
      }
      return v;
    };
  }
};

/// The campaign's recorded decisions as "allowed:attempt_id:block_reason:checks.quiet_hours".
std::vector<std::string> decisions_of(id_t campaign_id) {
  pqxx::connection c(test::db_url());
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(
           "SELECT allowed, COALESCE(attempt_id, 0), block_reason, checks->>'quiet_hours'"
           " FROM compliance_checks WHERE campaign_id = $1 ORDER BY id",
           campaign_id))
    out.push_back(std::string(r[0].as<bool>() ? "allowed" : "blocked") + ":" +
                  r[1].as<std::string>() + ":" + r[2].as<std::string>() + ":" +
                  r[3].as<std::string>());
  return out;
}

TEST(dial_journal, a_gated_dial_journals_the_attempt_and_its_decision_together) {
  auto setup = test::new_campaign(test::new_tenant());
  auto lead = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  recording_gate gate;
  auto out = journal_dialing(db(), setup.plan, candidate_of(lead), 0, jan_1_2030, gate.gate());
  ASSERT_TRUE(out.attempt);
  ASSERT_TRUE(out.verdict);
  ASSERT_EQ(gate.seen.size(), 1u);
  EXPECT_EQ(gate.seen[0].phone, lead.phone);
  EXPECT_EQ(gate.seen[0].time_zone, "America/Los_Angeles");
  EXPECT_EQ(out.attempt->attempt_no, 1);
  EXPECT_EQ(out.attempt->to_number, lead.phone);
  EXPECT_EQ(attempt_state_of(out.attempt->attempt_id), "dialing");
  auto stored = find_lead(db(), setup.tenant_id, lead.id);
  EXPECT_EQ(stored->status, "in_progress");
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(
      decisions_of(setup.campaign.id),
      std::vector<std::string>{"allowed:" + std::to_string(out.attempt->attempt_id) + "::passed"});

  // The lead is in progress now: a second dial decides nothing and records nothing.
  auto again = journal_dialing(db(), setup.plan, candidate_of(lead), 0, jan_1_2030, gate.gate());
  EXPECT_FALSE(again.attempt);
  EXPECT_FALSE(again.verdict);
  EXPECT_EQ(decisions_of(setup.campaign.id).size(), 1u);
  EXPECT_EQ(gate.seen.size(), 1u);
}

/// When the campaign's decisions were taken, in ms since the epoch, in the order recorded.
std::vector<epoch_ms> decision_times_of(id_t campaign_id) {
  pqxx::connection c(test::db_url());
  pqxx::nontransaction tx(c);
  std::vector<epoch_ms> out;
  for (const auto& r : tx.exec_params(
           "SELECT ms_of_ts(decided_at) FROM compliance_checks WHERE campaign_id = $1 ORDER BY id",
           campaign_id))
    out.push_back(r[0].as<epoch_ms>());
  return out;
}

TEST(dial_journal, a_dial_counts_from_the_engine_s_instant_and_a_standby_from_its_latest) {
  auto setup = test::new_campaign(test::new_tenant());
  auto first = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  auto standby = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  auto late = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  recording_gate gate;
  // The engine's clock says 2030, whatever the database server's says.
  ASSERT_TRUE(
      journal_dialing(db(), setup.plan, candidate_of(first), 0, jan_1_2030, gate.gate()).attempt);
  ASSERT_TRUE(journal_dialing(db(), setup.plan, candidate_of(standby), 0, jan_1_2030 + 1000,
                              gate.gate(), jan_1_2030 + 11'000)
                  .attempt);
  ASSERT_TRUE(journal_dialing(db(), setup.plan, candidate_of(late), 0, jan_1_2030 + 2000,
                              gate.gate(), jan_1_2030)
                  .attempt);
  EXPECT_EQ(dial_times_since(db(), setup.tenant_id, setup.campaign.id, jan_1_2030 - 1),
            (std::vector<epoch_ms>{jan_1_2030, jan_1_2030 + 2000, jan_1_2030 + 11'000}))
      << "dialled at the engine's instant; a standby at the latest it may be sent; never before"
         " its decision";
  EXPECT_EQ(read_number_dial_facts(db(), setup.tenant_id, first.phone, jan_1_2030 - 1).attempts,
            std::vector<epoch_ms>{jan_1_2030})
      << "its number's rolling caps count it from the same instant";
  EXPECT_EQ(decision_times_of(setup.campaign.id),
            (std::vector<epoch_ms>{jan_1_2030, jan_1_2030 + 1000, jan_1_2030 + 2000}))
      << "each decision is recorded at the engine's instant; a standby's when it was journalled";
}

TEST(dial_journal, a_blocked_dial_records_the_decision_and_reschedules_the_lead) {
  auto setup = test::new_campaign(test::new_tenant());
  auto lead = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  recording_gate gate;
  gate.allowed = false;
  auto out = journal_dialing(db(), setup.plan, candidate_of(lead), 0, jan_1_2030, gate.gate());
  EXPECT_FALSE(out.attempt);
  ASSERT_TRUE(out.verdict);
  EXPECT_FALSE(out.verdict->decision.allowed);
  auto stored = find_lead(db(), setup.tenant_id, lead.id);
  EXPECT_EQ(stored->status, "pending");
  EXPECT_EQ(stored->attempts, 0);
  EXPECT_TRUE(open_attempts(db(), setup.tenant_id, setup.campaign.id).empty());
  EXPECT_EQ(decisions_of(setup.campaign.id),
            std::vector<std::string>{"blocked:0:outside_calling_hours:blocked"});
  EXPECT_EQ(decision_times_of(setup.campaign.id), std::vector<epoch_ms>{jan_1_2030})
      << "recorded at the engine's instant, not the database server's";
  EXPECT_TRUE(
      next_dial_candidates(db(), setup.tenant_id, setup.campaign.id, gate.next - 1, 10, {}).empty())
      << "not due before the gate's next allowed instant";
  EXPECT_EQ(
      next_dial_candidates(db(), setup.tenant_id, setup.campaign.id, gate.next, 10, {}).size(), 1u);
}

TEST(dial_journal, a_gated_dial_of_another_campaign_s_or_tenant_s_lead_decides_nothing) {
  auto setup = test::new_campaign(test::new_tenant());
  auto other = test::new_campaign(setup.tenant_id);
  auto foreign = test::new_campaign(test::new_tenant());
  auto lead = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  recording_gate gate;
  EXPECT_FALSE(
      journal_dialing(db(), other.plan, candidate_of(lead), 0, jan_1_2030, gate.gate()).verdict);
  EXPECT_FALSE(
      journal_dialing(db(), foreign.plan, candidate_of(lead), 0, jan_1_2030, gate.gate()).verdict);
  EXPECT_TRUE(gate.seen.empty());
  EXPECT_EQ(find_lead(db(), setup.tenant_id, lead.id)->status, "pending");
  EXPECT_TRUE(decisions_of(other.campaign.id).empty());
  EXPECT_TRUE(decisions_of(foreign.campaign.id).empty());
}

TEST(dial_journal, a_locked_attempt_does_not_hold_back_rows_that_reference_it) {
  auto f = dialing();
  journal_registered(db(), f.setup.tenant_id, f.attempt.attempt_id, test::unique("call_"));
  group_commit writer(db());
  std::atomic<bool> holding{false};
  std::atomic<bool> release{false};
  // A journal write holds the attempt's row lock until its group commits.
  std::thread holder([&] {
    writer.run([&] {
      close_attempt(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::ended,
                    disposition::answered, "", pending_at(jan_1_2030));
      holding = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Meanwhile an inbox row naming the attempt is stored (its foreign key takes KEY SHARE): a
  // lock that blocked it would make the statement fail here instead of waiting.
  pqxx::connection c(test::db_url());
  pqxx::work tx(c);
  tx.exec0("SET LOCAL lock_timeout = '5s'");
  EXPECT_NO_THROW(tx.exec_params0(
      "INSERT INTO webhook_events (tenant_id, attempt_id, provider_call_id, event, body)"
      " VALUES ($1, $2, $3, 'call_started', '{}')",
      f.setup.tenant_id, f.attempt.attempt_id, test::unique("call_")));
  tx.commit();
  release = true;
  holder.join();
}

TEST(dial_journal, journal_registered_stores_the_provider_call_id) {
  auto f = dialing();
  const auto call_id = test::unique("call_");
  journal_registered(db(), f.setup.tenant_id, f.attempt.attempt_id, call_id);
  auto a = find_attempt(db(), f.attempt.attempt_id);
  EXPECT_EQ(a->state, attempt_state::registered);
  EXPECT_EQ(a->provider_call_id, call_id);

  // A webhook naming only the call id finds the attempt by it (the inbox's look-up).
  auto by_call = store_webhooks(db(), {inbox_entry{0, 0, call_id, "call_started", "{}"},
                                       inbox_entry{0, 0, "call_unknown", "call_started", "{}"}});
  EXPECT_EQ(by_call[0].attempt_id, f.attempt.attempt_id);
  EXPECT_EQ(by_call[0].tenant_id, f.setup.tenant_id);
  EXPECT_EQ(by_call[1].attempt_id, 0);
}

TEST(dial_journal, a_provider_call_id_belongs_to_one_attempt_only) {
  auto a = dialing();
  auto b = dialing();
  const auto call_id = test::unique("call_");
  journal_registered(db(), a.setup.tenant_id, a.attempt.attempt_id, call_id);
  EXPECT_THROW(journal_registered(db(), b.setup.tenant_id, b.attempt.attempt_id, call_id),
               conflict_error);
  EXPECT_EQ(find_attempt(db(), b.attempt.attempt_id)->state, attempt_state::dialing);
}

TEST(dial_journal, record_call_progress_never_moves_the_attempt_backwards) {
  auto f = dialing();
  const id_t tenant = f.setup.tenant_id;
  const id_t attempt = f.attempt.attempt_id;
  provider_call call;
  call.call_id = test::unique("call_");

  call.call_status = "ongoing";
  call.start_timestamp = jan_1_2030;
  record_call_progress(db(), tenant, attempt, attempt_state::ongoing, disposition::none, call);
  EXPECT_EQ(attempt_state_of(attempt), "ongoing");
  EXPECT_EQ(find_attempt(db(), attempt)->provider_call_id, call.call_id);

  call.call_status = "ended";
  call.disconnection_reason = "user_hangup";
  call.end_timestamp = jan_1_2030 + 61000;
  call.duration_ms = 61000;
  call.cost_cents = 42;
  call.transcript = "Agent: Hello\nUser: Hi";
  call.recording_url = "https://example.com/rec.wav";
  record_call_progress(db(), tenant, attempt, attempt_state::ended, disposition::answered, call);
  EXPECT_EQ(attempt_state_of(attempt), "ended");

  call.call_summary = "Interested, call back Monday";
  call.user_sentiment = "Positive";
  record_call_progress(db(), tenant, attempt, attempt_state::analyzed, disposition::answered, call);
  EXPECT_EQ(attempt_state_of(attempt), "analyzed");

  // Late, stale events: a transcript update and a duplicate call_started.
  provider_call stale;
  stale.call_id = call.call_id;
  stale.call_status = "ongoing";
  stale.transcript = "Agent: Hel";
  record_call_progress(db(), tenant, attempt, attempt_state::ongoing, disposition::none, stale);
  record_call_progress(db(), tenant, attempt, attempt_state::registered, disposition::failed,
                       stale);
  EXPECT_EQ(attempt_state_of(attempt), "analyzed");

  auto c = find_call(db(), tenant, attempt);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state, "analyzed");
  EXPECT_EQ(c->provider_call_id, call.call_id);
  EXPECT_EQ(c->disposition, "answered");
  EXPECT_EQ(c->disconnection_reason, "user_hangup");
  EXPECT_EQ(c->duration_ms, 61000);
  EXPECT_EQ(c->cost_cents, 42);
  EXPECT_EQ(c->transcript, "Agent: Hello\nUser: Hi");
  EXPECT_EQ(c->summary, "Interested, call back Monday");
  EXPECT_EQ(c->sentiment, "Positive");
  EXPECT_EQ(c->recording_url, "https://example.com/rec.wav");
  EXPECT_EQ(c->started_at, "2030-01-01T00:00:00Z");
  EXPECT_EQ(c->ended_at, "2030-01-01T00:01:01Z");
}

TEST(dial_journal, a_stale_event_still_fills_what_is_missing) {
  auto f = dialing();
  provider_call ended;
  ended.call_id = test::unique("call_");
  ended.call_status = "ended";
  ended.disconnection_reason = "agent_hangup";
  record_call_progress(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::ended,
                       disposition::answered, ended);
  provider_call started;
  started.call_id = ended.call_id;
  started.call_status = "ongoing";
  started.start_timestamp = jan_1_2030;
  record_call_progress(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::ongoing,
                       disposition::none, started);
  auto c = find_call(db(), f.setup.tenant_id, f.attempt.attempt_id);
  EXPECT_EQ(c->state, "ended");
  EXPECT_EQ(c->started_at, "2030-01-01T00:00:00Z");
  EXPECT_EQ(c->disconnection_reason, "agent_hangup");
}

TEST(dial_journal, in_doubt_moves_forward_once_the_provider_confirms) {
  auto f = dialing();
  auto marked = mark_dialing_in_doubt(db());
  EXPECT_TRUE(std::any_of(marked.begin(), marked.end(), [&](const attempt_row& a) {
    return a.attempt.attempt_id == f.attempt.attempt_id && a.state == attempt_state::in_doubt;
  }));
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "in_doubt");
  // in_doubt and dialing rank the same: a late "dialing" does not undo the mark.
  record_call_progress(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::dialing,
                       disposition::none, provider_call{});
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "in_doubt");
  journal_registered(db(), f.setup.tenant_id, f.attempt.attempt_id, test::unique("call_"));
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "registered");
}

TEST(dial_journal, mark_dialing_in_doubt_touches_only_dialing_attempts) {
  auto still_dialing = dialing();
  auto registered = dialing();
  journal_registered(db(), registered.setup.tenant_id, registered.attempt.attempt_id,
                     test::unique("call_"));
  auto marked = mark_dialing_in_doubt(db());
  auto contains = [&](id_t id) {
    return std::any_of(marked.begin(), marked.end(),
                       [&](const attempt_row& a) { return a.attempt.attempt_id == id; });
  };
  EXPECT_TRUE(contains(still_dialing.attempt.attempt_id));
  EXPECT_FALSE(contains(registered.attempt.attempt_id));
  for (const auto& a : marked) EXPECT_EQ(a.state, attempt_state::in_doubt);
  for (std::size_t i = 1; i < marked.size(); ++i)
    EXPECT_LT(marked[i - 1].attempt.attempt_id, marked[i].attempt.attempt_id);
  EXPECT_EQ(attempt_state_of(registered.attempt.attempt_id), "registered");
  marked = mark_dialing_in_doubt(db());
  EXPECT_FALSE(contains(still_dialing.attempt.attempt_id));
}

TEST(dial_journal, close_attempt_counting_schedules_the_retry) {
  auto f = dialing();
  const id_t tenant = f.setup.tenant_id;
  close_attempt(db(), tenant, f.attempt.attempt_id, attempt_state::not_connected,
                disposition::no_answer, "", pending_at(jan_1_2030 + 3600000));
  auto l = find_lead(db(), tenant, f.lead.id);
  EXPECT_EQ(l->status, "pending");
  EXPECT_EQ(l->attempts, 1);
  EXPECT_EQ(l->next_attempt_at, "2030-01-01T01:00:00Z");
  EXPECT_EQ(l->last_disposition, "no_answer");
  EXPECT_EQ(l->terminal_reason, "");
  auto c = find_call(db(), tenant, f.attempt.attempt_id);
  EXPECT_EQ(c->state, "not_connected");
  EXPECT_EQ(c->disposition, "no_answer");

  // The next attempt gets the next number.
  auto again = journal_dialing(db(), f.setup.plan, candidate_of(*l));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt_no, 2);
  EXPECT_EQ(find_lead(db(), tenant, f.lead.id)->attempts, 2);
}

TEST(dial_journal, close_attempt_not_counting_gives_the_attempt_back) {
  auto f = dialing();
  const id_t tenant = f.setup.tenant_id;
  close_attempt(db(), tenant, f.attempt.attempt_id, attempt_state::failed,
                disposition::provider_refused, "429 concurrency_limit_reached",
                pending_at(jan_1_2030 + 5000, false));
  auto l = find_lead(db(), tenant, f.lead.id);
  EXPECT_EQ(l->status, "pending");
  EXPECT_EQ(l->attempts, 0);
  EXPECT_EQ(l->next_attempt_at, "2030-01-01T00:00:05Z");
  EXPECT_EQ(l->last_disposition, "provider_refused");
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "failed");
  std::string error;
  db().transact([&](pqxx::dbtransaction& tx) {
    error =
        tx.exec_params1("SELECT error FROM call_attempts WHERE id = $1", f.attempt.attempt_id)[0]
            .as<std::string>();
  });
  EXPECT_EQ(error, "429 concurrency_limit_reached");

  // The attempt was given back: the retry is attempt 1 again (attempt_no counts attempts).
  auto again = journal_dialing(db(), f.setup.plan, candidate_of(*l));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt_no, 1);
  EXPECT_EQ(find_lead(db(), tenant, f.lead.id)->attempts, 1);
  call_filter by_lead;
  by_lead.lead_id = f.lead.id;
  EXPECT_EQ(list_calls(db(), tenant, by_lead).total, 2);
}

TEST(dial_journal, two_counted_attempts_of_a_lead_never_share_a_number) {
  auto f = dialing();
  EXPECT_THROW(db().transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params0(
        "INSERT INTO call_attempts (tenant_id, campaign_id, lead_id, attempt_no, state)"
        " VALUES ($1, $2, $3, 1, 'dialing')",
        f.setup.tenant_id, f.setup.campaign.id, f.lead.id);
  }),
               conflict_error);
}

TEST(dial_journal, open_attempts_are_those_not_closed_yet) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  auto other = test::new_campaign(tenant);
  std::vector<dial_attempt> a;
  for (int i = 0; i < 4; ++i) {
    auto l = insert_lead(db(), tenant, test::lead_in(setup.campaign.id));
    a.push_back(*journal_dialing(db(), setup.plan, candidate_of(l)));
  }
  auto elsewhere = insert_lead(db(), tenant, test::lead_in(other.campaign.id));
  journal_dialing(db(), other.plan, candidate_of(elsewhere));

  journal_registered(db(), tenant, a[1].attempt_id, test::unique("call_"));
  // Ended at the provider but the engine stopped before closing it: still to follow.
  record_call_progress(db(), tenant, a[2].attempt_id, attempt_state::ended, disposition::answered,
                       provider_call{});
  lead_next_step done;
  done.status = lead_status::completed;
  done.terminal_reason = "answered";
  close_attempt(db(), tenant, a[3].attempt_id, attempt_state::ended, disposition::answered, "",
                done);

  auto open = open_attempts(db(), tenant, setup.campaign.id);
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].attempt.attempt_id, a[0].attempt_id);
  EXPECT_EQ(open[0].state, attempt_state::dialing);
  EXPECT_EQ(open[1].attempt.attempt_id, a[1].attempt_id);
  EXPECT_EQ(open[1].state, attempt_state::registered);
  EXPECT_FALSE(open[1].provider_call_id.empty());
  EXPECT_EQ(open[2].attempt.attempt_id, a[2].attempt_id);
  EXPECT_EQ(open[2].state, attempt_state::ended);
  EXPECT_EQ(open[0].attempt.provider_agent_id, setup.plan.provider_agent_id);
  EXPECT_EQ(open[0].attempt.from_number, setup.plan.from_number);

  EXPECT_TRUE(open_attempts(db(), test::new_tenant(), setup.campaign.id).empty());
}

TEST(dial_journal, close_attempt_terminal_step_and_closing_twice_changes_nothing) {
  auto f = dialing(1);
  const id_t tenant = f.setup.tenant_id;
  lead_next_step failed;
  failed.status = lead_status::failed;
  failed.terminal_reason = "max_attempts_reached:busy";
  close_attempt(db(), tenant, f.attempt.attempt_id, attempt_state::not_connected, disposition::busy,
                "", failed);
  auto l = find_lead(db(), tenant, f.lead.id);
  EXPECT_EQ(l->status, "failed");
  EXPECT_EQ(l->terminal_reason, "max_attempts_reached:busy");
  EXPECT_EQ(l->last_disposition, "busy");
  EXPECT_FALSE(l->next_attempt_at);

  close_attempt(db(), tenant, f.attempt.attempt_id, attempt_state::failed, disposition::failed,
                "again", pending_at(jan_1_2030, false));
  auto after = find_lead(db(), tenant, f.lead.id);
  EXPECT_EQ(after->status, "failed");
  EXPECT_EQ(after->attempts, 1);
  EXPECT_EQ(after->last_disposition, "busy");
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "not_connected");
}

TEST(dial_journal, close_attempt_keeps_a_later_state) {
  auto f = dialing();
  provider_call call;
  call.call_id = test::unique("call_");
  record_call_progress(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::analyzed,
                       disposition::answered, call);
  lead_next_step done;
  done.status = lead_status::completed;
  done.terminal_reason = "answered";
  close_attempt(db(), f.setup.tenant_id, f.attempt.attempt_id, attempt_state::ended,
                disposition::answered, "", done);
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "analyzed");
  EXPECT_EQ(find_lead(db(), f.setup.tenant_id, f.lead.id)->status, "completed");
}

TEST(dial_journal, segments_are_replaced_and_served_with_the_call) {
  auto f = dialing();
  const id_t tenant = f.setup.tenant_id;
  store_segments(db(), tenant, f.attempt.attempt_id,
                 {{0, "agent", "Hello"}, {1, "user", "Hi"}, {2, "agent", "Bye"}});
  store_segments(db(), tenant, f.attempt.attempt_id, {{0, "agent", "Hello!"}, {1, "user", "Hi?"}});
  auto c = find_call(db(), tenant, f.attempt.attempt_id);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->segments.size(), 2u);
  EXPECT_EQ(c->segments[0].seq, 0);
  EXPECT_EQ(c->segments[0].role, "agent");
  EXPECT_EQ(c->segments[0].content, "Hello!");
  EXPECT_EQ(c->segments[1].content, "Hi?");

  call_filter f_all;
  auto listed = list_calls(db(), tenant, f_all);
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_TRUE(listed.items[0].segments.empty());
}

TEST(dial_journal, list_calls_filters_newest_first_with_totals) {
  const id_t tenant = test::new_tenant();
  auto c1 = test::new_campaign(tenant);
  auto c2 = test::new_campaign(tenant);
  std::vector<dial_attempt> attempts;
  for (int i = 0; i < 4; ++i) {
    auto l = insert_lead(db(), tenant, test::lead_in(i < 3 ? c1.campaign.id : c2.campaign.id));
    attempts.push_back(*journal_dialing(db(), i < 3 ? c1.plan : c2.plan, candidate_of(l)));
  }
  journal_registered(db(), tenant, attempts[1].attempt_id, test::unique("call_"));

  call_filter all;
  auto page = list_calls(db(), tenant, all);
  EXPECT_EQ(page.total, 4);
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.items[0].id, attempts[3].attempt_id);
  EXPECT_EQ(page.items[3].id, attempts[0].attempt_id);
  EXPECT_EQ(page.items[3].tenant_id, tenant);
  EXPECT_EQ(page.items[3].lead_id, attempts[0].lead_id);
  EXPECT_EQ(page.items[3].campaign_id, c1.campaign.id);
  EXPECT_EQ(page.items[3].attempt_no, 1);
  EXPECT_EQ(page.items[3].state, "dialing");
  EXPECT_EQ(page.items[3].to_number, attempts[0].to_number);
  EXPECT_EQ(page.items[3].from_number, c1.plan.from_number);
  EXPECT_FALSE(page.items[3].duration_ms);
  EXPECT_FALSE(page.items[3].started_at);
  EXPECT_EQ(page.items[3].created_at.size(), 20u);

  call_filter paged;
  paged.limit = 2;
  paged.offset = 1;
  page = list_calls(db(), tenant, paged);
  EXPECT_EQ(page.total, 4);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, attempts[2].attempt_id);

  call_filter by_campaign;
  by_campaign.campaign_id = c1.campaign.id;
  EXPECT_EQ(list_calls(db(), tenant, by_campaign).total, 3);

  call_filter by_state;
  by_state.status = "registered";
  page = list_calls(db(), tenant, by_state);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].id, attempts[1].attempt_id);

  call_filter by_lead;
  by_lead.lead_id = attempts[2].lead_id;
  EXPECT_EQ(list_calls(db(), tenant, by_lead).total, 1);

  call_filter by_dates;
  by_dates.from_date = "2000-01-01T00:00:00Z";
  by_dates.to_date = "2100-01-01T00:00:00Z";
  EXPECT_EQ(list_calls(db(), tenant, by_dates).total, 4);
  by_dates.from_date = "2099-01-01T00:00:00Z";
  EXPECT_EQ(list_calls(db(), tenant, by_dates).total, 0);
  by_dates.from_date = std::nullopt;
  by_dates.to_date = "2000-01-01T00:00:00Z";
  EXPECT_EQ(list_calls(db(), tenant, by_dates).total, 0);
}

TEST(dial_journal, another_tenant_cannot_read_or_move_the_journal) {
  auto f = dialing();
  const id_t owner = f.setup.tenant_id;
  const id_t attempt = f.attempt.attempt_id;
  store_segments(db(), owner, attempt, {{0, "agent", "Hello"}});
  const id_t intruder = test::new_tenant();

  EXPECT_FALSE(find_call(db(), intruder, attempt));
  EXPECT_EQ(list_calls(db(), intruder, call_filter{}).total, 0);
  EXPECT_TRUE(list_calls(db(), intruder, call_filter{}).items.empty());
  EXPECT_TRUE(
      next_dial_candidates(db(), intruder, f.setup.campaign.id, jan_1_2030, 10, {}).empty());
  EXPECT_FALSE(earliest_pending_at(db(), intruder, f.setup.campaign.id));
  EXPECT_EQ(open_lead_count(db(), intruder, f.setup.campaign.id), 0);
  EXPECT_TRUE(open_attempts(db(), intruder, f.setup.campaign.id).empty());

  provider_call call;
  call.call_id = test::unique("call_");
  call.cost_cents = 999;
  call.transcript = "forged";
  journal_registered(db(), intruder, attempt, call.call_id);
  record_call_progress(db(), intruder, attempt, attempt_state::ended, disposition::answered, call);
  store_segments(db(), intruder, attempt, {{0, "user", "forged"}});
  lead_next_step done;
  done.status = lead_status::completed;
  done.terminal_reason = "answered";
  close_attempt(db(), intruder, attempt, attempt_state::ended, disposition::answered, "", done);

  auto c = find_call(db(), owner, attempt);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state, "dialing");
  EXPECT_EQ(c->provider_call_id, "");
  EXPECT_FALSE(c->cost_cents);
  EXPECT_EQ(c->transcript, "");
  ASSERT_EQ(c->segments.size(), 1u);
  EXPECT_EQ(c->segments[0].content, "Hello");
  EXPECT_EQ(find_lead(db(), owner, f.lead.id)->status, "in_progress");
  // No attempt carries the intruder's call id: a webhook naming it finds no call.
  EXPECT_EQ(
      store_webhooks(db(), {inbox_entry{0, 0, call.call_id, "call_started", "{}"}})[0].attempt_id,
      0);
}

}  // namespace
}  // namespace dialer::storage

namespace dialer::storage {
namespace {

TEST(dial_journal, a_withdrawn_standby_is_planned_again_counts_nowhere_and_frees_its_lead) {
  auto f = dialing();
  const id_t tenant = f.setup.tenant_id;
  const auto& phone = f.attempt.to_number;
  ASSERT_EQ(read_number_dial_facts(db(), tenant, phone, 0).attempts.size(), 1u)
      << "a standby waiting to be sent counts against its number's caps";
  ASSERT_TRUE(withdraw_attempt(db(), tenant, f.attempt.attempt_id, "withdrawn: campaign paused",
                               pending_at(jan_1_2030 + 1000, false)));
  EXPECT_EQ(attempt_state_of(f.attempt.attempt_id), "planned");
  auto l = find_lead(db(), tenant, f.lead.id);
  EXPECT_EQ(l->status, "pending");
  EXPECT_EQ(l->attempts, 0) << "the attempt is given back";
  EXPECT_EQ(l->next_attempt_at, "2030-01-01T00:00:01Z");
  EXPECT_EQ(l->last_disposition, "") << "no call, no disposition";
  bool counts = true, closed = false;
  std::string error;
  db().transact([&](pqxx::dbtransaction& tx) {
    auto r = tx.exec_params1(
        "SELECT counts_as_attempt, closed_at IS NOT NULL, error FROM call_attempts WHERE id = $1",
        f.attempt.attempt_id);
    counts = r[0].as<bool>();
    closed = r[1].as<bool>();
    error = r[2].as<std::string>();
  });
  EXPECT_FALSE(counts);
  EXPECT_TRUE(closed);
  EXPECT_EQ(error, "withdrawn: campaign paused");
  EXPECT_TRUE(read_number_dial_facts(db(), tenant, phone, 0).attempts.empty())
      << "a dial never sent is no attempt on the number";
  EXPECT_TRUE(dial_times_since(db(), tenant, f.setup.campaign.id, 0).empty())
      << "nor on the campaign's hourly and daily caps";
  auto stats = stats_of_campaign(db(), tenant, f.setup.campaign.id, jan_1_2030);
  EXPECT_EQ(stats.calls_in_progress + stats.calls_failed + stats.calls_completed, 0)
      << "nor a call in the campaign's stats";

  // The next dial of the lead takes attempt number 1 again.
  auto again = journal_dialing(db(), f.setup.plan, candidate_of(*l));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt_no, 1);
  EXPECT_FALSE(withdraw_attempt(db(), tenant, f.attempt.attempt_id, "again",
                                pending_at(jan_1_2030, false)))
      << "withdrawn once";
  EXPECT_EQ(find_lead(db(), tenant, f.lead.id)->status, "in_progress")
      << "a second withdrawal does not touch the lead's new dial";
}

TEST(dial_journal, only_a_dial_never_sent_can_be_withdrawn) {
  auto registered = dialing();
  const id_t tenant = registered.setup.tenant_id;
  journal_registered(db(), tenant, registered.attempt.attempt_id, test::unique("call_"));
  EXPECT_FALSE(withdraw_attempt(db(), tenant, registered.attempt.attempt_id, "withdrawn",
                                pending_at(jan_1_2030, false)))
      << "the provider has this call";
  EXPECT_EQ(attempt_state_of(registered.attempt.attempt_id), "registered");
  EXPECT_EQ(find_lead(db(), tenant, registered.lead.id)->status, "in_progress");

  auto other = dialing();
  EXPECT_FALSE(withdraw_attempt(db(), tenant, other.attempt.attempt_id, "withdrawn",
                                pending_at(jan_1_2030, false)))
      << "another tenant's attempt";
  EXPECT_EQ(attempt_state_of(other.attempt.attempt_id), "dialing");

  auto doubtful = dialing();
  db().transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params0("UPDATE call_attempts SET state = 'in_doubt' WHERE id = $1",
                    doubtful.attempt.attempt_id);
  });
  EXPECT_FALSE(withdraw_attempt(db(), doubtful.setup.tenant_id, doubtful.attempt.attempt_id,
                                "withdrawn", pending_at(jan_1_2030, false)))
      << "an attempt in doubt may have been sent";
  EXPECT_EQ(attempt_state_of(doubtful.attempt.attempt_id), "in_doubt");
}

}  // namespace
}  // namespace dialer::storage
