// Call progress held back in a group transaction and sent as a few statements over arrays
// (storage/held_writes.hpp): the effects must be those of writing each step where it is made.

#include "storage/held_writes.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <functional>

#include "storage/leads.hpp"
#include "storage/webhook_inbox.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;
using test::jan_1_2030;

/// Two attempts of one tenant's campaign, journalled as dialing.
struct two_attempts {
  test::campaign_setup setup;
  id_t first = 0;
  id_t second = 0;
  id_t first_lead = 0;
  id_t second_lead = 0;
};

two_attempts dialing_two() {
  two_attempts t;
  t.setup = test::new_campaign(test::new_tenant());
  auto journal = [&](id_t& lead_id) {
    auto lead = insert_lead(db(), t.setup.tenant_id, test::lead_in(t.setup.campaign.id));
    lead_id = lead.id;
    return journal_dialing(db(), t.setup.plan,
                           dial_candidate{lead.id, lead.phone, lead.attempts, lead.priority})
        ->attempt_id;
  };
  t.first = journal(t.first_lead);
  t.second = journal(t.second_lead);
  return t;
}

/// A lead's next step: `status`, due at `at` when pending, counting the attempt or not.
lead_next_step next_step(lead_status status, epoch_ms at, bool counts, std::string reason) {
  lead_next_step n;
  n.status = status;
  n.next_attempt_at = at;
  n.counts_as_attempt = counts;
  n.terminal_reason = std::move(reason);
  return n;
}

/// An inbox row for a webhook of `call_id` (not applied yet).
id_t inbox_row_for(id_t tenant_id, const std::string& event) {
  return store_webhook(db(), tenant_id, 0, test::unique("call_"), event, "{}").first;
}

/// True when the inbox row is marked applied (read by another session).
bool applied(id_t inbox_id) {
  pqxx::connection c(test::db_url());
  pqxx::nontransaction tx(c);
  return tx
      .exec_params1("SELECT NOT EXISTS (SELECT 1 FROM webhook_pending WHERE id = $1)", inbox_id)[0]
      .as<bool>();
}

/// The steps of a whole call and late, stale events, for `t`'s two attempts and an intruder's
/// forgeries; each element is one job of a group (or one write alone).
std::vector<std::function<void()>> call_story(const two_attempts& t, id_t intruder,
                                              const std::string& call_a, const std::string& call_b,
                                              id_t inbox_started, id_t inbox_ended) {
  const id_t tenant = t.setup.tenant_id;
  provider_call started;
  started.call_id = call_a;
  started.call_status = "ongoing";
  started.start_timestamp = jan_1_2030;
  provider_call ended = started;
  ended.call_status = "ended";
  ended.disconnection_reason = "user_hangup";
  ended.end_timestamp = jan_1_2030 + 61000;
  ended.duration_ms = 61000;
  ended.cost_cents = 42;
  ended.transcript = "Agent: Hello\nUser: \"Hi\", {fine} \\ thanks";
  ended.recording_url = "https://example.com/rec.wav";
  ended.in_voicemail = false;
  provider_call analyzed = ended;
  analyzed.call_summary = "Interested, call back Monday";
  analyzed.user_sentiment = "Positive";
  analyzed.call_successful = true;
  provider_call stale;
  stale.call_id = call_a;
  stale.call_status = "ongoing";
  stale.transcript = "Agent: Hel";
  // The second attempt hears of its end first, then a stale start that fills what is missing.
  provider_call b_ended;
  b_ended.call_id = call_b;
  b_ended.call_status = "ended";
  b_ended.disconnection_reason = "agent_hangup";
  provider_call b_started;
  b_started.call_id = call_b;
  b_started.call_status = "ongoing";
  b_started.start_timestamp = jan_1_2030 + 5000;
  provider_call forged;
  forged.call_id = "call_forged";
  forged.cost_cents = 999;
  forged.transcript = "forged";
  const id_t a = t.first;
  const id_t b = t.second;
  return {
      // The provider answered both creates: registrations, then the story of each call.
      [=] { journal_registered(db(), tenant, a, call_a); },
      [=] { journal_registered(db(), tenant, b, call_b); },
      [=] {
        record_call_progress(db(), tenant, a, attempt_state::ongoing, disposition::none, started,
                             inbox_started);
        // A late registration answer for a call already started changes nothing.
        journal_registered(db(), tenant, a, call_a);
      },
      [=] {
        record_call_progress(db(), tenant, b, attempt_state::ended, disposition::answered, b_ended);
      },
      [=] {
        // One job, three writes: the turns, the step and the close (as a call actor's
        // call_ended).
        store_segments(db(), tenant, a, {{0, "agent", "Hello"}, {1, "user", "Hi, {fine}"}});
        record_call_progress(db(), tenant, a, attempt_state::ended, disposition::answered, ended,
                             inbox_ended);
        close_attempt(db(), tenant, a, attempt_state::ended, disposition::answered, "",
                      next_step(lead_status::completed, 0, true, "answered"));
      },
      [=] {
        // The second attempt closes too, giving its attempt back (a refusal).
        close_attempt(db(), tenant, b, attempt_state::failed, disposition::provider_refused,
                      "provider 429", next_step(lead_status::pending, jan_1_2030, false, ""));
      },
      [=] {
        record_call_progress(db(), tenant, a, attempt_state::analyzed, disposition::answered,
                             analyzed);
      },
      [=] {
        record_call_progress(db(), tenant, a, attempt_state::ongoing, disposition::none, stale);
        record_call_progress(db(), tenant, a, attempt_state::registered, disposition::failed,
                             stale);
      },
      [=] {
        // Closed again (a duplicate end): the lead's step is not applied twice.
        close_attempt(db(), tenant, b, attempt_state::failed, disposition::failed, "again",
                      next_step(lead_status::failed, 0, true, "failed"));
        record_call_progress(db(), tenant, b, attempt_state::ongoing, disposition::none, b_started);
      },
      [=] {
        record_call_progress(db(), intruder, a, attempt_state::ended, disposition::failed, forged);
        store_segments(db(), intruder, a, {{0, "user", "forged"}});
        close_attempt(db(), intruder, b, attempt_state::failed, disposition::failed, "forged",
                      next_step(lead_status::failed, 0, true, "forged"));
      },
  };
}

/// Everything a reader sees of a lead.
std::string lead_summary_of(id_t tenant, id_t lead_id) {
  auto l = find_lead(db(), tenant, lead_id);
  return l->status + "|" + std::to_string(l->attempts) + "|" + l->next_attempt_at.value_or("-") +
         "|" + l->terminal_reason + "|" + l->last_disposition;
}

/// Everything a reader sees of an attempt's call.
std::string summary_of(id_t tenant, id_t attempt) {
  auto c = find_call(db(), tenant, attempt);
  if (!c) return "none";
  std::string s = c->state + "|" + c->provider_call_id + "|" + c->disposition + "|" +
                  c->disconnection_reason + "|" + std::to_string(c->duration_ms.value_or(-1)) +
                  "|" + std::to_string(c->cost_cents.value_or(-1)) + "|" + c->transcript + "|" +
                  c->summary + "|" + c->sentiment + "|" + c->recording_url + "|" +
                  c->started_at.value_or("-") + "|" + c->ended_at.value_or("-");
  for (const auto& seg : c->segments)
    s += "|" + std::to_string(seg.seq) + ":" + seg.role + ":" + seg.content;
  return s;
}

TEST(held_writes, a_group_holding_its_progress_ends_exactly_as_writes_made_one_by_one) {
  auto one_by_one = dialing_two();
  auto grouped = dialing_two();
  const id_t intruder = test::new_tenant();
  auto alone_started = inbox_row_for(one_by_one.setup.tenant_id, "call_started");
  auto alone_ended = inbox_row_for(one_by_one.setup.tenant_id, "call_ended");
  auto group_started = inbox_row_for(grouped.setup.tenant_id, "call_started");
  auto group_ended = inbox_row_for(grouped.setup.tenant_id, "call_ended");

  for (const auto& write : call_story(one_by_one, intruder, test::unique("call_"),
                                      test::unique("call_"), alone_started, alone_ended))
    write();

  auto jobs = call_story(grouped, intruder, test::unique("call_"), test::unique("call_"),
                         group_started, group_ended);
  std::size_t held_at_most = 0;
  for (auto& job : jobs)
    job = [job, &held_at_most] {
      job();
      // Nothing else ran since: what the job wrote is still held.
      ASSERT_NE(group_held_writes(), nullptr);
      EXPECT_FALSE(group_held_writes()->empty());
      ++held_at_most;
    };
  std::vector<std::exception_ptr> errors;
  db().transact_group(jobs, errors);
  for (const auto& e : errors) EXPECT_FALSE(e);
  EXPECT_EQ(held_at_most, jobs.size());

  // The same story, apart from the call ids each run made up.
  auto without_ids = [](std::string s, const std::string& id) {
    for (auto at = s.find(id); at != std::string::npos; at = s.find(id))
      s.replace(at, id.size(), "ID");
    return s;
  };
  auto alone_a = find_call(db(), one_by_one.setup.tenant_id, one_by_one.first);
  auto group_a = find_call(db(), grouped.setup.tenant_id, grouped.first);
  auto alone_b = find_call(db(), one_by_one.setup.tenant_id, one_by_one.second);
  auto group_b = find_call(db(), grouped.setup.tenant_id, grouped.second);
  EXPECT_EQ(
      without_ids(summary_of(grouped.setup.tenant_id, grouped.first), group_a->provider_call_id),
      without_ids(summary_of(one_by_one.setup.tenant_id, one_by_one.first),
                  alone_a->provider_call_id));
  EXPECT_EQ(
      without_ids(summary_of(grouped.setup.tenant_id, grouped.second), group_b->provider_call_id),
      without_ids(summary_of(one_by_one.setup.tenant_id, one_by_one.second),
                  alone_b->provider_call_id));
  for (auto pick : {&two_attempts::first_lead, &two_attempts::second_lead})
    EXPECT_EQ(lead_summary_of(grouped.setup.tenant_id, grouped.*pick),
              lead_summary_of(one_by_one.setup.tenant_id, one_by_one.*pick));
  // And what that story means, so that both runs being equally wrong is caught too.
  EXPECT_EQ(group_a->state, "analyzed");
  EXPECT_EQ(group_a->disposition, "answered");
  EXPECT_EQ(group_a->cost_cents, 42);
  EXPECT_EQ(group_a->transcript, "Agent: Hello\nUser: \"Hi\", {fine} \\ thanks");
  EXPECT_EQ(group_a->summary, "Interested, call back Monday");
  EXPECT_EQ(group_a->started_at, "2030-01-01T00:00:00Z");
  ASSERT_EQ(group_a->segments.size(), 2u);
  EXPECT_EQ(group_a->segments[1].content, "Hi, {fine}");
  EXPECT_EQ(group_b->disconnection_reason, "agent_hangup");
  EXPECT_EQ(group_b->started_at, "2030-01-01T00:00:05Z") << "a stale step fills what is missing";
  EXPECT_EQ(lead_summary_of(grouped.setup.tenant_id, grouped.first_lead),
            "completed|1|-|answered|answered");
  EXPECT_EQ(lead_summary_of(grouped.setup.tenant_id, grouped.second_lead),
            "pending|0|2030-01-01T00:00:00Z||provider_refused")
      << "closed once: the refusal's step, not the duplicate's";
  EXPECT_TRUE(open_attempts(db(), grouped.setup.tenant_id, grouped.setup.campaign.id).empty());
  EXPECT_EQ(group_b->state, "ended") << "neither the close nor a later stale step moves it back";
  EXPECT_FALSE(find_call(db(), intruder, grouped.first));
  EXPECT_TRUE(applied(group_started));
  EXPECT_TRUE(applied(group_ended));
}

TEST(held_writes, a_statement_after_a_held_step_sees_it) {
  auto t = dialing_two();
  provider_call call;
  call.call_id = test::unique("call_");
  call.call_status = "ended";
  std::string seen;
  std::vector<std::exception_ptr> errors;
  db().transact_group({[&] {
                         record_call_progress(db(), t.setup.tenant_id, t.first,
                                              attempt_state::ended, disposition::answered, call);
                       },
                       [&] {
                         // A read in a later job of the group sends what is held first.
                         seen = std::string(to_string(find_attempt(db(), t.first)->state));
                         EXPECT_TRUE(group_held_writes()->empty());
                       }},
                      errors);
  EXPECT_EQ(seen, "ended");
}

TEST(held_writes, a_step_that_cannot_be_stored_fails_alone_and_the_rest_of_its_group_commits) {
  auto t = dialing_two();
  auto other = dialing_two();
  auto bad_inbox = inbox_row_for(t.setup.tenant_id, "call_ended");
  auto good_inbox = inbox_row_for(t.setup.tenant_id, "call_ended");
  provider_call good;
  good.call_id = test::unique("call_");
  good.call_status = "ended";
  good.transcript = "fine";
  provider_call bad = good;
  bad.call_id = test::unique("call_");
  bad.transcript = "broken \xff byte";  // not UTF-8: PostgreSQL refuses the whole array
  provider_call also_good = good;
  also_good.call_id = test::unique("call_");
  std::vector<std::exception_ptr> errors;
  db().transact_group(
      {[&] {
         record_call_progress(db(), t.setup.tenant_id, t.first, attempt_state::ended,
                              disposition::answered, good, good_inbox);
       },
       [&] {
         record_call_progress(db(), t.setup.tenant_id, t.second, attempt_state::ended,
                              disposition::answered, bad, bad_inbox);
       },
       [&] {
         record_call_progress(db(), other.setup.tenant_id, other.first, attempt_state::ended,
                              disposition::answered, also_good);
       }},
      errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_FALSE(errors[0]);
  EXPECT_TRUE(errors[1]) << "the job whose step PostgreSQL refused gets the error";
  EXPECT_FALSE(errors[2]);
  EXPECT_EQ(find_call(db(), t.setup.tenant_id, t.first)->transcript, "fine");
  EXPECT_EQ(find_call(db(), other.setup.tenant_id, other.first)->transcript, "fine");
  EXPECT_EQ(find_call(db(), t.setup.tenant_id, t.second)->state, "dialing")
      << "the refused step changed nothing";
  EXPECT_TRUE(applied(good_inbox));
  EXPECT_FALSE(applied(bad_inbox));
}

}  // namespace
}  // namespace dialer::storage
