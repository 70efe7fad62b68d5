// Deterministic tests of the actor runtime: CAF's test scheduler (nothing runs until the test
// says so, time moves only by hand), a stub provider gateway, an in-memory journal and jobs run
// inline. They check pacing under the cap, pause/resume/stop, completion, retries, provider
// refusals, in-doubt creates, duplicate webhooks and supervision.

#include <algorithm>
#include <map>
#include <set>

#include "engine_test_bed.hpp"
#include "fake_store.hpp"
#include "metric_reading.hpp"

namespace dialer::actors::test {
namespace {

constexpr id_t tenant = 7;
constexpr id_t campaign = 70;
constexpr epoch_ms start_time = test_start_time;

class campaign_runtime : public engine_test_bed {
 protected:
  campaign_runtime() {
    store_.plan.id = campaign;
    store_.plan.tenant_id = tenant;
    store_.plan.from_number = "+14155550100";
    store_.plan.max_concurrent_calls = 3;
    store_.plan.max_attempts = 1;
    ctx_->gateway = system_->spawn(stub_gateway, &script_);
    start_engine(store_);
  }

  ~campaign_runtime() override { stop_engine(); }

  void send_status(campaign_status s) { engine_test_bed::send_status(tenant, campaign, s); }

  /// Delivers a webhook for the attempt, as the HTTP handler does after storing it; ended
  /// calls cost call_cost_cents_.
  void webhook(id_t attempt, webhook_kind kind, std::string status, std::string reason) {
    deliver(tenant, attempt, kind, status, reason, call_cost_cents_);
  }

  /// A verified webhook reaches the engine before its inbox commit, signed by `signer`'s own
  /// account (0: the platform's).
  void arrive(id_t signer, id_t attempt, webhook_kind kind, std::string status,
              std::string reason) {
    caf::anon_send(ctx_->root, ending_atom::value,
                   stored_webhook(0, signer, attempt, kind, status, reason));
    run();
  }

  /// US calls all day; the tenant's stored override named `office hours` narrows them to
  /// 09:00-17:00 (closed at 19:00 New York, when the tests start). Starts `leads` leads on one
  /// line; the first is dialled.
  void run_one_line_under_office_hours_override(int leads, std::int16_t override_from = 9 * 60,
                                                std::int16_t override_to = 17 * 60) {
    use_rule(us_rule(weekly_windows::every_day({0, minutes_per_day})),
             {{"office hours", us_rule(weekly_windows::every_day({override_from, override_to}))}});
    store_.plan.max_concurrent_calls = 1;
    store_.add_leads(leads);
    send_status(campaign_status::running);
    ASSERT_EQ(script_.dials.size(), 1u);
  }

  /// The tenant stores its override (committed); the campaign is not told.
  void commit_office_hours_override() {
    store_.overrides = {tenant_override{"US", "office hours"}};
    ctx_->rule_versions->bump(tenant);
  }

  /// The provider ends a call with `reason` (call_ended, then call_analyzed).
  void end_call(id_t attempt, std::string reason = "user_hangup") {
    script_.live.erase(attempt);
    bool connected =
        reason == "user_hangup" || reason == "agent_hangup" || reason == "voicemail_reached";
    std::string status = connected ? "ended" : "not_connected";
    webhook(attempt, webhook_kind::call_ended, status, reason);
    webhook(attempt, webhook_kind::call_analyzed, status, reason);
  }

  /// Ends every live call, oldest first.
  void end_all_live(std::string reason = "user_hangup") {
    auto live = script_.live;
    for (auto a : live) end_call(a, reason);
  }

  caf::actor campaign_actor() { return engine_test_bed::campaign_actor(campaign); }

  /// What the provider says each call cost (nullopt: it does not say).
  std::optional<std::int64_t> call_cost_cents_;
  fake_store store_;
  provider_script script_;
};

TEST_F(campaign_runtime, pacing_never_exceeds_the_cap_and_the_campaign_completes) {
  store_.add_leads(10);
  send_status(campaign_status::running);
  EXPECT_EQ(script_.dials.size(), 3u) << "exactly the cap is dialled at once";
  EXPECT_EQ(metrics_.active_calls(), 3) << "each call actor counts its line";
  while (!script_.live.empty()) {
    end_call(*script_.live.begin());
    EXPECT_LE(script_.live.size(), 3u);
  }
  EXPECT_EQ(script_.dials.size(), 10u);
  EXPECT_EQ(script_.peak, 3u);
  EXPECT_EQ(store_.count(lead_status::completed), 10);
  ASSERT_FALSE(store_.transitions.empty());
  EXPECT_EQ(store_.transitions.back(),
            std::make_pair(campaign_status::running, campaign_status::completed));
  std::set<id_t> leads_dialled;
  for (const auto& d : script_.dials) leads_dialled.insert(d.lead_id);
  EXPECT_EQ(leads_dialled.size(), 10u) << "no lead dialled twice";
  EXPECT_EQ(script_.freed.size(), 10u) << "every call gives its line back to the gateway once";
  auto families = registry_.Collect();
  EXPECT_EQ(metrics_.active_calls(), 0) << "every line was released in the metrics too";
  EXPECT_EQ(series_value(families, "dialer_dials_total",
                         {{"tenant", std::to_string(tenant)}, {"result", "accepted"}}),
            10);
  EXPECT_EQ(series_value(families, "dialer_call_outcomes_total",
                         {{"tenant", std::to_string(tenant)}, {"disposition", "answered"}}),
            10);
  EXPECT_GE(series_value(families, "dialer_storage_job_seconds", {{"result", "ok"}}), 10)
      << "the calls' journal writes were timed";
}

TEST_F(campaign_runtime, the_watchdog_asks_about_a_long_call_less_and_less_and_stores_no_news) {
  ctx_->options.call_watchdog = std::chrono::minutes(2);
  store_.add_leads(1);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  auto attempt = script_.dials[0].attempt_id;
  webhook(attempt, webhook_kind::call_started, "ongoing", "");
  auto writes = store_.progress_writes;
  std::vector<int> asked_at;  // minutes after the dial
  for (int minute = 1; minute <= 62; ++minute) {
    advance(std::chrono::minutes(1));
    if (script_.syncs.size() > asked_at.size()) asked_at.push_back(minute);
  }
  // Started at minute 0: first asked at 8 (4 x 2 min), then each look-up waits twice as long.
  EXPECT_EQ(asked_at, (std::vector<int>{8, 24, 56})) << "each look-up waits twice as long";
  EXPECT_EQ(store_.progress_writes, writes) << "look-ups that found the call ongoing wrote nothing";
  end_call(attempt);
  EXPECT_EQ(store_.count(lead_status::completed), 1);
}

TEST_F(campaign_runtime, a_started_call_keeps_a_single_watchdog_tick_waiting) {
  // 50,000 held calls each with a second tick in CAF's clock (a message and a schedule entry)
  // cost about 10 MB: starting re-times the armed tick instead of arming another.
  ctx_->options.call_watchdog = std::chrono::minutes(2);
  store_.add_leads(1);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  auto waiting = sched_->clock().schedule().size();
  webhook(script_.dials[0].attempt_id, webhook_kind::call_started, "ongoing", "");
  EXPECT_EQ(sched_->clock().schedule().size(), waiting);
  advance(std::chrono::minutes(2));  // the armed tick: not due yet, it arms the rest
  EXPECT_EQ(sched_->clock().schedule().size(), waiting);
  EXPECT_TRUE(script_.syncs.empty()) << "no look-up before the started call's delay";
}

TEST_F(campaign_runtime,
       the_watchdog_asks_soon_about_a_call_not_heard_from_then_waits_once_started) {
  ctx_->options.call_watchdog = std::chrono::minutes(2);
  store_.add_leads(1);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  // Registered, then silence: call_started was lost. The look-up at 2 minutes finds the call
  // ongoing, which starts it; only call_ended is due then, so the next look-up waits 8 minutes.
  std::vector<int> asked_at;
  for (int minute = 1; minute <= 16; ++minute) {
    advance(std::chrono::minutes(1));
    if (script_.syncs.size() > asked_at.size()) asked_at.push_back(minute);
  }
  EXPECT_EQ(asked_at, (std::vector<int>{2, 10}));
  EXPECT_EQ(store_.attempts.begin()->second.row.state, attempt_state::ongoing)
      << "the look-up that started the call was stored";
}

TEST_F(campaign_runtime, pause_holds_new_dials_resume_continues_stop_cancels_the_rest) {
  store_.plan.max_concurrent_calls = 2;
  store_.add_leads(6);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 2u);
  store_.status = campaign_status::paused;
  send_status(campaign_status::paused);
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 2u) << "a paused campaign lets calls finish but dials nothing";
  store_.status = campaign_status::running;
  send_status(campaign_status::running);
  EXPECT_EQ(script_.dials.size(), 4u);
  store_.status = campaign_status::cancelled;
  send_status(campaign_status::cancelled);
  EXPECT_EQ(store_.count(lead_status::cancelled), 2) << "pending leads close when stopped";
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 4u);
  EXPECT_EQ(store_.count(lead_status::completed), 4);
  EXPECT_FALSE(campaign_actor()) << "a stopped campaign's actor ends once its calls are done";
}

TEST_F(campaign_runtime, retries_wait_the_delay_of_the_disposition_until_max_attempts) {
  store_.plan.max_attempts = 2;
  store_.plan.retry.no_answer_s = 60;
  store_.add_leads(1);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  end_call(script_.dials[0].attempt_id, "dial_no_answer");
  EXPECT_EQ(store_.leads[1].status, lead_status::pending);
  EXPECT_EQ(store_.leads[1].next_attempt_at, start_time + 60'000);
  advance(std::chrono::seconds(59));
  EXPECT_EQ(script_.dials.size(), 1u) << "not before the retry delay";
  advance(std::chrono::seconds(2));
  ASSERT_EQ(script_.dials.size(), 2u);
  EXPECT_EQ(script_.dials[1].attempt_no, 2);
  end_call(script_.dials[1].attempt_id, "dial_no_answer");
  EXPECT_EQ(store_.leads[1].status, lead_status::failed);
  EXPECT_EQ(store_.leads[1].terminal_reason, "max_attempts_reached:no_answer");
  EXPECT_EQ(store_.transitions.back().second, campaign_status::completed);
}

TEST_F(campaign_runtime, a_429_puts_the_lead_back_without_using_an_attempt) {
  store_.add_leads(1);
  script_.answer_status[1] = 429;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  EXPECT_EQ(store_.leads[1].status, lead_status::pending);
  EXPECT_EQ(store_.leads[1].candidate.attempts, 0);
  advance(std::chrono::seconds(6));
  ASSERT_EQ(script_.dials.size(), 2u);
  EXPECT_EQ(script_.dials[1].attempt_no, 1) << "the refusal did not count";
  end_call(script_.dials[1].attempt_id);
  EXPECT_EQ(store_.leads[1].status, lead_status::completed);
}

TEST_F(campaign_runtime, a_create_without_answer_is_reconciled_never_resent) {
  store_.add_leads(1);
  script_.answer_status[1] = 0;  // timeout: the provider did place the call
  send_status(campaign_status::running);
  advance(std::chrono::seconds(2));
  ASSERT_EQ(script_.dials.size(), 1u) << "a create is never resent";
  ASSERT_EQ(script_.syncs.size(), 1u) << "the attempt is looked up by its metadata";
  EXPECT_EQ(store_.attempts[1].row.provider_call_id, "call_1");
  end_call(1);
  EXPECT_EQ(store_.leads[1].status, lead_status::completed);
  EXPECT_EQ(script_.dials.size(), 1u);
}

TEST_F(campaign_runtime, a_dial_whose_write_failed_after_its_commit_is_reconciled_never_dialled) {
  store_.add_leads(2);
  store_.plan.max_attempts = 2;
  store_.plan.max_concurrent_calls = 1;
  store_.lost_dial_commit_answers = 1;  // lead 1's attempt 1 is stored, its write "fails"
  send_status(campaign_status::running);
  advance(std::chrono::seconds(2));
  ASSERT_EQ(store_.attempts.count(1), 1u);
  for (const auto& d : script_.dials)
    EXPECT_NE(d.attempt_id, 1) << "no create for an attempt whose journal write failed";
  EXPECT_EQ(std::count(script_.syncs.begin(), script_.syncs.end(), id_t{1}), 1)
      << "the attempt found open is asked about by its metadata instead";
  EXPECT_TRUE(store_.attempts[1].closed) << "unknown to the provider: closed as in doubt";
  EXPECT_EQ(store_.attempts[1].row.state, attempt_state::failed);
  // The campaign goes on: the other lead, and lead 1's retry after its delay.
  end_all_live();
  advance(std::chrono::hours(2));
  end_all_live();
  EXPECT_EQ(store_.count(lead_status::completed), 2);
  EXPECT_EQ(store_.attempts.size(), 3u);
  EXPECT_EQ(store_.transitions.back(),
            std::make_pair(campaign_status::running, campaign_status::completed));
}

TEST_F(campaign_runtime, a_freed_line_takes_the_next_dial_while_the_ended_call_s_close_commits) {
  store_.add_leads(2);
  store_.plan.max_concurrent_calls = 1;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  store_.failing_closes = 1;  // the first close cannot commit until its retry
  script_.live.erase(1);
  webhook(1, webhook_kind::call_ended, "ended", "user_hangup");
  EXPECT_FALSE(store_.attempts[1].closed) << "the first call's close still waits to commit";
  EXPECT_EQ(script_.dials.size(), 2u) << "its line took the next dial already";
  EXPECT_EQ(script_.peak, 1u) << "never more calls at the provider than the cap";
  advance(ctx_->options.storage_retry);
  EXPECT_TRUE(store_.attempts[1].closed) << "the close commits on its retry";
  webhook(1, webhook_kind::call_analyzed, "ended", "user_hangup");
  end_call(2);
  EXPECT_EQ(store_.count(lead_status::completed), 2);
  EXPECT_EQ(store_.transitions.back(),
            std::make_pair(campaign_status::running, campaign_status::completed));
}

TEST_F(campaign_runtime, a_refill_is_timed_from_its_line_freed_and_a_line_a_cap_holds_is_not) {
  store_.add_leads(3);
  store_.plan.max_concurrent_calls = 1;
  store_.plan.max_calls_per_hour = 2;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  EXPECT_EQ(script_.dials[0].line_freed_at, 0) << "the first dial refills no line";
  advance(std::chrono::minutes(1));
  auto freed_at = clock_.now_ms();
  end_call(1);
  ASSERT_EQ(script_.dials.size(), 2u);
  EXPECT_EQ(script_.dials[1].line_freed_at, freed_at) << "the dial that took the freed line";
  end_call(2);
  EXPECT_EQ(script_.dials.size(), 2u) << "the hourly cap holds the line idle";
  advance(std::chrono::minutes(61));
  ASSERT_EQ(script_.dials.size(), 3u);
  EXPECT_EQ(script_.dials[2].line_freed_at, 0) << "a line a cap held is no refill of ours";
}

TEST_F(campaign_runtime, an_arriving_call_ended_frees_the_line_before_its_inbox_commit) {
  store_.add_leads(2);
  store_.plan.max_concurrent_calls = 1;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  script_.live.erase(1);
  // Verified, still on its way to the inbox: the handler tells the engine it arrived.
  arrive(tenant, 1, webhook_kind::call_ended, "ended", "user_hangup");
  EXPECT_EQ(script_.dials.size(), 2u) << "the ended call's line took the next dial";
  EXPECT_EQ(script_.freed, std::vector<id_t>{1}) << "the account's line went back once";
  EXPECT_FALSE(store_.attempts[1].closed) << "only the stored webhook closes the attempt";
  EXPECT_EQ(script_.peak, 1u);
  webhook(1, webhook_kind::call_ended, "ended", "user_hangup");
  EXPECT_TRUE(store_.attempts[1].closed);
  EXPECT_EQ(script_.freed, std::vector<id_t>{1}) << "the stored webhook frees nothing twice";
  EXPECT_EQ(script_.dials.size(), 2u) << "one freed line, one more dial";
  webhook(1, webhook_kind::call_analyzed, "ended", "user_hangup");
  end_call(2);
  EXPECT_EQ(store_.count(lead_status::completed), 2);
  EXPECT_EQ(store_.attempts[1].close_calls, 1);
}

TEST_F(campaign_runtime, an_arriving_webhook_frees_no_line_unless_it_ends_this_very_call) {
  store_.add_leads(2);
  store_.plan.max_concurrent_calls = 1;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  arrive(tenant + 1, 1, webhook_kind::call_ended, "ended", "user_hangup");
  EXPECT_EQ(script_.dials.size(), 1u) << "signed by another tenant's own account";
  auto w = stored_webhook(0, tenant, 1, webhook_kind::call_ended, "ended", "user_hangup");
  w.event.call.call_id = "call_someone_else";
  caf::anon_send(ctx_->root, ending_atom::value, w);
  run();
  EXPECT_EQ(script_.dials.size(), 1u) << "another provider call's id";
  arrive(tenant, 1, webhook_kind::call_started, "ongoing", "");
  EXPECT_EQ(script_.dials.size(), 1u) << "a call that goes on keeps its line";
  script_.live.erase(1);
  arrive(0, 1, webhook_kind::call_ended, "ended", "user_hangup");
  EXPECT_EQ(script_.dials.size(), 2u) << "the platform's account signed it: this call ended";
  EXPECT_EQ(script_.peak, 1u);
  EXPECT_TRUE(store_.applied_webhooks.empty()) << "nothing arriving is applied before its commit";
}

TEST_F(campaign_runtime, duplicate_and_reordered_webhooks_close_an_attempt_once) {
  store_.add_leads(1);
  send_status(campaign_status::running);
  webhook(1, webhook_kind::call_ended, "ended", "agent_hangup");
  webhook(1, webhook_kind::call_started, "ongoing", "");
  webhook(1, webhook_kind::call_ended, "ended", "agent_hangup");
  webhook(1, webhook_kind::call_analyzed, "ended", "agent_hangup");
  EXPECT_EQ(store_.attempts[1].close_calls, 1);
  EXPECT_EQ(store_.attempts[1].outcome, disposition::answered);
  EXPECT_EQ(store_.attempts[1].row.state, attempt_state::analyzed);
  EXPECT_EQ(store_.applied_webhooks.size(), 4u) << "every delivered webhook is marked applied";
}

TEST_F(campaign_runtime, a_webhook_for_a_call_actor_that_just_ended_is_still_applied) {
  store_.add_leads(1);
  send_status(campaign_status::running);
  end_call(1, "agent_hangup");
  ASSERT_EQ(store_.applied_webhooks.size(), 2u);
  // Root still routes attempt 1 to an actor that has ended (its unregistration not yet seen).
  auto gone = system_->spawn([] { return caf::behavior{[](int) {}}; });
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  run();
  caf::anon_send(ctx_->root, register_atom::value, id_t{1}, gone);
  run();
  webhook(1, webhook_kind::call_started, "ongoing", "");  // a late, reordered webhook
  EXPECT_EQ(store_.applied_webhooks.size(), 3u) << "acknowledged, so it must be applied";
  EXPECT_EQ(store_.attempts[1].row.state, attempt_state::analyzed) << "state never moves back";
  EXPECT_EQ(store_.attempts[1].close_calls, 1);
}

TEST_F(campaign_runtime, a_webhook_of_a_tenant_without_actors_is_stored_without_a_look_up) {
  // An attempt journalled earlier; nothing of its tenant runs now (no campaign was started).
  store_.add_leads(1);
  store_.leads[1].status = lead_status::in_progress;
  auto& a = store_.attempts[1];
  a.row.attempt.tenant_id = tenant;
  a.row.attempt.campaign_id = campaign;
  a.row.attempt.lead_id = 1;
  a.row.attempt.attempt_id = 1;
  a.row.state = attempt_state::registered;
  webhook(1, webhook_kind::call_started, "ongoing", "");
  webhook(1, webhook_kind::call_ended, "ended", "user_hangup");
  webhook(1, webhook_kind::call_started, "ongoing", "");  // late: changes nothing
  EXPECT_EQ(store_.applied_webhooks.size(), 3u) << "every acknowledged webhook is applied";
  EXPECT_EQ(store_.progress_writes, 3);
  EXPECT_EQ(store_.attempts[1].row.state, attempt_state::ended) << "state never moves back";
  EXPECT_EQ(store_.attempt_lookups, 0) << "no actor can follow it: nothing to look up first";
  EXPECT_FALSE(campaign_actor()) << "the data is stored; no actor is started for it";
}

TEST_F(campaign_runtime,
       a_failed_campaign_actor_restarts_and_follows_its_calls_without_redialling) {
  store_.add_leads(5);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 3u);
  auto first = campaign_actor();
  ASSERT_TRUE(first);
  caf::anon_send_exit(first, caf::exit_reason::unhandled_exception);
  run();
  advance(std::chrono::seconds(1));
  auto second = campaign_actor();
  ASSERT_TRUE(second);
  EXPECT_NE(first, second);
  EXPECT_EQ(script_.dials.size(), 3u) << "calls in flight are followed again, not redialled";
  EXPECT_EQ(script_.syncs.size(), 3u) << "each followed call asks the provider where it stands";
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 5u);
  end_all_live();
  EXPECT_EQ(store_.count(lead_status::completed), 5);
  EXPECT_EQ(script_.peak, 3u);
  std::set<id_t> leads_dialled;
  for (const auto& d : script_.dials) leads_dialled.insert(d.lead_id);
  EXPECT_EQ(leads_dialled.size(), 5u);
}

TEST_F(campaign_runtime, repeated_failures_escalate_to_a_paused_campaign_not_a_crash_loop) {
  store_.add_leads(5);
  ctx_->options.max_restarts = 3;
  send_status(campaign_status::running);
  for (int i = 0; i < 4; ++i) {
    auto a = campaign_actor();
    ASSERT_TRUE(a) << "restart " << i;
    caf::anon_send_exit(a, caf::exit_reason::unhandled_exception);
    run();
    advance(std::chrono::seconds(2));
  }
  EXPECT_FALSE(campaign_actor()) << "no restart after the limit";
  EXPECT_EQ(store_.status, campaign_status::paused);
  advance(std::chrono::minutes(5));
  EXPECT_FALSE(campaign_actor());
}

}  // namespace
}  // namespace dialer::actors::test

namespace dialer::actors::test {
namespace {

TEST_F(campaign_runtime, a_scheduled_campaign_starts_dialling_at_its_start_date) {
  store_.add_leads(2);
  store_.plan.start_at = start_time + 3'600'000;
  store_.status = campaign_status::scheduled;
  send_status(campaign_status::scheduled);
  EXPECT_TRUE(script_.dials.empty());
  advance(std::chrono::minutes(59));
  EXPECT_TRUE(script_.dials.empty()) << "nothing before start_date";
  advance(std::chrono::minutes(2));
  EXPECT_EQ(script_.dials.size(), 2u);
  ASSERT_FALSE(store_.transitions.empty());
  EXPECT_EQ(store_.transitions.front(),
            std::make_pair(campaign_status::scheduled, campaign_status::running));
}

TEST_F(campaign_runtime, the_end_date_stops_new_dials_and_completes_the_campaign) {
  store_.plan.max_concurrent_calls = 1;
  store_.plan.end_at = start_time + 60'000;
  store_.add_leads(3);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  advance(std::chrono::seconds(61));
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 1u) << "no dial after end_date";
  EXPECT_EQ(store_.count(lead_status::cancelled), 2);
  EXPECT_EQ(store_.leads[2].terminal_reason, "end_date_reached");
  EXPECT_EQ(store_.status, campaign_status::completed);
  EXPECT_FALSE(campaign_actor());
}

TEST_F(campaign_runtime, compliance_decides_for_now_before_every_dial) {
  // 09:00-17:00 every day; opt-in: consent must be granted. At start_time (00:00Z) it is
  // 09:00 in Tokyo and 19:00 (the day before) in New York.
  use_rule(us_rule(weekly_windows::every_day({9 * 60, 17 * 60}), consent_regime::opt_in));
  store_.plan.max_concurrent_calls = 10;
  store_.add_leads(6);
  for (auto& [id, l] : store_.leads) l.subject.time_zone = "Asia/Tokyo";
  store_.leads[2].subject.on_tenant_dnc = true;
  store_.leads[3].subject.consent = consent_status::denied;
  store_.leads[4].subject.time_zone = "America/New_York";
  store_.leads[5].subject.consent = consent_status::unknown;
  send_status(campaign_status::running);

  std::set<id_t> dialled;
  for (const auto& d : script_.dials) dialled.insert(d.lead_id);
  EXPECT_EQ(dialled, (std::set<id_t>{1, 6})) << "only leads every check allows are dialled";
  EXPECT_EQ(store_.leads[2].terminal_reason, "compliance:dnc");
  EXPECT_EQ(store_.leads[3].terminal_reason, "compliance:consent_denied");
  EXPECT_EQ(store_.leads[5].terminal_reason, "compliance:consent_missing");
  EXPECT_EQ(store_.leads[4].status, lead_status::pending) << "outside its window: waits";
  const epoch_ms ny_nine = start_time + 14 * ms_per_hour;  // 09:00 New York = 14:00Z
  EXPECT_EQ(store_.leads[4].next_attempt_at, ny_nine);

  end_all_live();
  advance(std::chrono::hours(13));
  EXPECT_EQ(script_.dials.size(), 2u) << "nothing is dialled before the window opens";
  advance(std::chrono::hours(1));
  ASSERT_EQ(script_.dials.size(), 3u);
  EXPECT_EQ(script_.dials.back().lead_id, 4);
  int decisions_for_4 = 0;
  for (const auto& [lead, d] : store_.decisions) decisions_for_4 += lead == 4;
  EXPECT_EQ(decisions_for_4, 2) << "the waiting lead is not polled: blocked once, allowed once";
}

TEST_F(campaign_runtime, a_tenant_s_new_rules_decide_the_next_dial_before_the_campaign_reloads) {
  run_one_line_under_office_hours_override(3);
  commit_office_hours_override();  // no recheck yet
  end_call(1);
  EXPECT_EQ(script_.dials.size(), 1u) << "the next dial is decided under the tenant's new rules";
  const epoch_ms ny_nine = start_time + 14 * ms_per_hour;  // 09:00 New York = 14:00Z
  for (id_t lead : {2, 3}) {
    auto decided = std::find_if(store_.decisions.begin(), store_.decisions.end(),
                                [lead](const auto& d) { return d.first == lead; });
    ASSERT_NE(decided, store_.decisions.end()) << "lead " << lead;
    EXPECT_EQ(decided->second.reason, block_reason::outside_calling_hours) << "lead " << lead;
    EXPECT_EQ(store_.leads[lead].status, lead_status::pending);
    EXPECT_EQ(store_.leads[lead].next_attempt_at, ny_nine);
  }
  advance(std::chrono::hours(13));
  EXPECT_EQ(script_.dials.size(), 1u) << "nothing before the tenant's window opens";
  advance(std::chrono::hours(1));
  EXPECT_EQ(script_.dials.size(), 2u) << "dialled once it opens (the cap: one at a time)";
}

TEST_F(campaign_runtime, the_budget_stops_dialling_before_it_can_be_exceeded) {
  store_.plan.max_concurrent_calls = 3;
  store_.plan.budget_cents = 500;
  store_.plan.est_cost_per_call_cents = 100;
  store_.plan.spent_cents = 150;  // earlier calls
  store_.add_leads(10);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 3u) << "150 spent + 3 x 100 held fits in 500";
  end_all_live();
  // Each call is settled at its 100 held: 450 spent, and a fourth hold would make 550.
  EXPECT_EQ(script_.dials.size(), 3u) << "a dial that could pass the budget is never made";
  EXPECT_EQ(store_.status, campaign_status::paused) << "the exhausted budget pauses the campaign";
  EXPECT_EQ(store_.count(lead_status::pending), 7) << "undialled leads stay for a raised budget";
  store_.plan.budget_cents = 700;  // raised while paused (PATCH)
  store_.plan.spent_cents = 450;   // as the journal now sums the calls' costs
  store_.status = campaign_status::running;
  send_status(campaign_status::running);
  EXPECT_EQ(script_.dials.size(), 5u) << "resuming reloads the plan: 450 + 2 x 100 <= 700";
}

TEST_F(campaign_runtime, a_budget_tighter_than_the_cap_waits_for_settlements_instead_of_pausing) {
  store_.plan.max_concurrent_calls = 5;
  store_.plan.budget_cents = 250;
  store_.plan.est_cost_per_call_cents = 100;
  store_.add_leads(4);
  call_cost_cents_ = 10;
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 2u) << "two holds of 100 fit in 250, a third does not";
  EXPECT_EQ(store_.status, campaign_status::running) << "money is only held, not spent";
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 4u) << "each settlement at 10 gives 90 back for the next call";
  end_all_live();
  EXPECT_EQ(store_.count(lead_status::pending), 0);
  EXPECT_EQ(store_.status, campaign_status::completed);
}

TEST_F(campaign_runtime, hourly_and_daily_caps_hold_dials_until_the_window_rolls) {
  store_.plan.max_concurrent_calls = 5;
  store_.plan.max_calls_per_hour = 2;
  store_.plan.max_calls_per_day = 3;
  store_.add_leads(6);
  send_status(campaign_status::running);
  EXPECT_EQ(script_.dials.size(), 2u);
  end_all_live();
  advance(std::chrono::minutes(59));
  EXPECT_EQ(script_.dials.size(), 2u) << "the rolling hour still holds both dials";
  advance(std::chrono::minutes(2));
  EXPECT_EQ(script_.dials.size(), 3u) << "the daily cap (UTC day) allows one more";
  end_all_live();
  advance(std::chrono::hours(2));
  EXPECT_EQ(script_.dials.size(), 3u);
  advance(std::chrono::hours(22));
  EXPECT_EQ(script_.dials.size(), 5u) << "a new local day, two more within the hourly cap";
}

/// The campaign journals up to two dials ahead of a free line (standbys).
class campaign_standbys : public campaign_runtime {
 protected:
  campaign_standbys() { ctx_->options.standby_dials = 2; }

  /// Attempts journalled and not sent: the standbys waiting in the journal.
  std::set<id_t> waiting_standbys() const {
    std::set<id_t> out;
    for (const auto& [id, a] : store_.attempts) out.insert(id);
    for (const auto& d : script_.dials) out.erase(d.attempt_id);
    for (const auto& [id, a] : store_.attempts)
      if (a.closed) out.erase(id);
    return out;
  }

  /// Attempts counted against a lead (its attempts field in the journal).
  int counted_attempts(id_t lead) { return store_.leads.at(lead).candidate.attempts; }
};

TEST_F(campaign_standbys, a_freed_line_sends_a_standby_journalled_before_it_was_freed) {
  store_.plan.max_concurrent_calls = 2;
  store_.add_leads(8);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 2u) << "the cap, no more";
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 2u) << "two dials journalled ahead while both lines are busy";
  EXPECT_EQ(store_.leads[3].status, lead_status::in_progress);
  EXPECT_EQ(script_.peak, 2u);
  EXPECT_EQ(ctx_->standbys->waiting_in(tenant, campaign), 2u)
      << "the engine's book knows them: the stats count them as queued, not in progress";
  EXPECT_EQ(ctx_->standbys->waiting_in(tenant + 1, campaign), 0u) << "only the tenant's own";
  auto journalled_before = store_.attempts.size();
  end_call(1);
  ASSERT_EQ(script_.dials.size(), 3u);
  EXPECT_TRUE(standbys.count(script_.dials[2].attempt_id))
      << "the freed line took a dial journalled before it was freed";
  EXPECT_EQ(script_.dials[2].attempt_id, *standbys.begin()) << "the oldest standby first";
  EXPECT_GT(store_.attempts.size(), journalled_before) << "and another standby took its place";
  while (!script_.live.empty()) {
    end_call(*script_.live.begin());
    EXPECT_LE(script_.live.size(), 2u);
  }
  EXPECT_EQ(script_.peak, 2u) << "standbys never exceed the cap";
  EXPECT_EQ(store_.count(lead_status::completed), 8);
  std::set<id_t> leads_dialled;
  for (const auto& d : script_.dials) leads_dialled.insert(d.lead_id);
  EXPECT_EQ(script_.dials.size(), 8u);
  EXPECT_EQ(leads_dialled.size(), 8u) << "no lead dialled twice";
  EXPECT_TRUE(waiting_standbys().empty());
  EXPECT_EQ(ctx_->standbys->waiting_in(tenant, campaign), 0u);
  auto families = registry_.Collect();
  EXPECT_EQ(series_value(families, "dialer_standby_dials_total", {{"result", "sent"}}), 6)
      << "every dial after the first two went out from a standby";
  EXPECT_FALSE(series_value(families, "dialer_standby_dials_total", {{"result", "withdrawn"}}))
      << "none withdrawn";
  EXPECT_EQ(store_.transitions.back(),
            std::make_pair(campaign_status::running, campaign_status::completed));
  EXPECT_FALSE(campaign_actor());
}

TEST_F(campaign_standbys, a_standby_is_decided_again_when_its_line_frees_and_not_sent_outside_hours) {
  // 19:00-19:30 in New York every day; the tests start at 19:00 New York (00:00Z).
  use_rule(us_rule(weekly_windows::every_day({19 * 60, 19 * 60 + 30})));
  ctx_->options.standby_max_age = std::chrono::hours(2);  // only the window may hold it back
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(3);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 1u) << "no more standbys than the cap";
  advance(std::chrono::minutes(31));  // 19:31: the window closed while the standbys waited
  end_call(1);
  EXPECT_EQ(script_.dials.size(), 1u) << "no standby goes out once its lead's window closed";
  for (auto id : standbys) {
    EXPECT_TRUE(store_.attempts[id].closed) << "withdrawn: attempt " << id;
    EXPECT_EQ(store_.attempts[id].outcome, disposition::none);
  }
  // Its next window: 19:00 New York on a later day (00:00Z).
  const epoch_ms next_window = store_.leads[2].next_attempt_at;
  EXPECT_GT(next_window, clock_.now_ms());
  EXPECT_EQ((next_window - start_time) % ms_per_day, 0);
  for (id_t lead : {2, 3}) {
    EXPECT_EQ(store_.leads[lead].status, lead_status::pending);
    EXPECT_EQ(store_.leads[lead].next_attempt_at, next_window);
    EXPECT_EQ(counted_attempts(lead), 0) << "a withdrawn standby is no attempt";
  }
  advance(std::chrono::milliseconds(next_window - clock_.now_ms() - 60'000));
  EXPECT_EQ(script_.dials.size(), 1u) << "nothing before the window opens";
  advance(std::chrono::minutes(2));
  ASSERT_EQ(script_.dials.size(), 2u) << "dialled again once the window opens";
  EXPECT_EQ(script_.dials[1].attempt_no, 1);
}

TEST_F(campaign_standbys, a_number_put_on_the_dnc_list_is_never_dialled_from_a_standby) {
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(3);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  ASSERT_EQ(waiting_standbys().size(), 1u);
  // Lead 2's number goes on the DNC list (committed): the API tells the engine.
  store_.leads[2].subject.on_tenant_dnc = true;
  caf::anon_send(ctx_->root, recheck_atom::value, tenant);
  run();
  end_all_live();
  end_all_live();
  end_all_live();
  std::set<id_t> dialled;
  for (const auto& d : script_.dials) dialled.insert(d.lead_id);
  EXPECT_EQ(dialled, (std::set<id_t>{1, 3}));
  EXPECT_EQ(store_.leads[2].status, lead_status::cancelled);
  EXPECT_EQ(store_.leads[2].terminal_reason, "compliance:dnc");
  EXPECT_EQ(store_.status, campaign_status::completed);
}

TEST_F(campaign_standbys, a_standby_counts_on_its_number_from_the_latest_instant_it_may_go_out) {
  ctx_->options.standby_max_age = std::chrono::seconds(10);
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(2);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  ASSERT_EQ(waiting_standbys().size(), 1u);
  ASSERT_EQ(store_.dialled_by_times.size(), 2u);
  EXPECT_EQ(store_.dialled_by_times[0], clock_.now_ms())
      << "a dial on a free line counts from the instant it was decided";
  EXPECT_EQ(store_.dialled_by_times[1], clock_.now_ms() + 10'000)
      << "a standby may wait up to standby_max_age: a rolling cap must not let it go early";
}

TEST_F(campaign_standbys, a_standby_decided_before_the_tenant_s_rules_changed_is_never_sent) {
  run_one_line_under_office_hours_override(3);
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 1u);
  commit_office_hours_override();  // the recheck that would withdraw the standby is not sent
  end_call(1);
  EXPECT_EQ(script_.dials.size(), 1u) << "the standby was decided under the old rules";
  EXPECT_TRUE(store_.attempts[*standbys.begin()].closed) << "withdrawn";
  for (id_t lead : {2, 3}) {
    EXPECT_EQ(store_.leads[lead].status, lead_status::pending) << "lead " << lead;
    EXPECT_EQ(counted_attempts(lead), 0) << "lead " << lead;
  }
  EXPECT_EQ(store_.decisions.back().second.reason, block_reason::outside_calling_hours)
      << "journalled again under the new rules, and blocked";
  EXPECT_TRUE(waiting_standbys().empty());
}

TEST_F(campaign_standbys, after_a_rule_change_the_campaign_compiles_its_book_again) {
  // The override only narrows the day a little: 00:00-23:00 is open at 19:00 New York.
  run_one_line_under_office_hours_override(4, 0, 23 * 60);
  ASSERT_EQ(waiting_standbys().size(), 1u);
  commit_office_hours_override();
  caf::anon_send(ctx_->root, recheck_atom::value, tenant);  // what engine::rules_changed sends
  run();
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 1u) << "withdrawn and journalled again under the new rules";
  end_call(1);
  ASSERT_EQ(script_.dials.size(), 2u);
  EXPECT_EQ(script_.dials[1].attempt_id, *standbys.begin())
      << "a standby decided under the campaign's new book goes out";
  auto families = registry_.Collect();
  EXPECT_EQ(series_value(families, "dialer_standby_dials_total", {{"result", "withdrawn"}}), 1);
  EXPECT_EQ(series_value(families, "dialer_standby_dials_total", {{"result", "sent"}}), 1);
}

TEST_F(campaign_standbys, a_standby_taken_from_the_book_to_edit_its_lead_is_never_sent) {
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(3);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  ASSERT_EQ(waiting_standbys().size(), 1u);
  // What engine::withdraw_standby does for PATCH /leads/2: takes it out of the book, withdraws
  // it; the edit revokes the lead's consent.
  auto taken = ctx_->standbys->take_lead(tenant, 2);
  ASSERT_TRUE(taken);
  EXPECT_FALSE(ctx_->standbys->take_lead(tenant, 2)) << "taken once";
  ASSERT_TRUE(store_.withdraw_attempt(tenant, taken->attempt_id, "withdrawn: lead edited",
                                      next_step_due_again(clock_.now_ms())));
  store_.leads[2].subject.consent = consent_status::denied;
  end_call(1);
  for (const auto& d : script_.dials) EXPECT_NE(d.lead_id, 2) << "its standby was not sent";
  EXPECT_EQ(store_.leads[2].status, lead_status::cancelled) << "decided again on the edited lead";
  EXPECT_EQ(store_.leads[2].terminal_reason, "compliance:consent_denied");
  EXPECT_EQ(counted_attempts(2), 0);
  end_all_live();
  end_all_live();
  EXPECT_EQ(store_.count(lead_status::completed), 2) << "the other leads are dialled as usual";
  EXPECT_EQ(store_.status, campaign_status::completed);
}

TEST_F(campaign_standbys, a_stale_standby_is_withdrawn_and_its_lead_journalled_again) {
  ctx_->options.standby_max_age = std::chrono::seconds(10);
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(2);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 1u);
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 1u);
  auto stale = *standbys.begin();
  advance(std::chrono::seconds(11));
  end_call(1);
  ASSERT_EQ(script_.dials.size(), 2u) << "lead 2 is dialled all the same";
  EXPECT_NE(script_.dials[1].attempt_id, stale) << "not on the stale standby";
  EXPECT_EQ(script_.dials[1].lead_id, 2);
  EXPECT_EQ(script_.dials[1].attempt_no, 1) << "the withdrawn attempt did not count";
  EXPECT_TRUE(store_.attempts[stale].closed);
  EXPECT_EQ(series_value(registry_.Collect(), "dialer_standby_dials_total",
                         {{"result", "withdrawn"}}),
            1);
  std::size_t decisions_for_2 = 0;
  for (const auto& [lead, d] : store_.decisions) decisions_for_2 += lead == 2;
  EXPECT_EQ(decisions_for_2, 2u) << "its facts were read again";
  end_all_live();
  EXPECT_EQ(store_.count(lead_status::completed), 2);
}

TEST_F(campaign_standbys, pausing_withdraws_standbys_and_stopping_cancels_their_leads) {
  store_.plan.max_concurrent_calls = 2;
  store_.add_leads(8);
  send_status(campaign_status::running);
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 2u);
  store_.status = campaign_status::paused;
  send_status(campaign_status::paused);
  for (auto id : standbys) EXPECT_TRUE(store_.attempts[id].closed);
  EXPECT_EQ(store_.count(lead_status::pending), 6) << "their leads wait for the resume";
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 2u) << "a paused campaign sends no standby";
  store_.status = campaign_status::running;
  send_status(campaign_status::running);
  EXPECT_EQ(script_.dials.size(), 4u);
  auto after_resume = waiting_standbys();
  ASSERT_EQ(after_resume.size(), 2u);
  for (const auto& [id, l] : store_.leads) EXPECT_LE(l.candidate.attempts, 1) << "lead " << id;
  store_.status = campaign_status::cancelled;
  send_status(campaign_status::cancelled);
  for (auto id : after_resume) {
    EXPECT_TRUE(store_.attempts[id].closed);
    EXPECT_EQ(store_.leads[store_.attempts[id].row.attempt.lead_id].terminal_reason,
              "campaign_stopped");
  }
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 4u);
  EXPECT_EQ(store_.count(lead_status::completed), 4);
  EXPECT_EQ(store_.count(lead_status::cancelled), 4);
  EXPECT_FALSE(campaign_actor());
}

TEST_F(campaign_standbys, standbys_hold_budget_so_dials_never_pass_it) {
  store_.plan.max_concurrent_calls = 2;
  store_.plan.budget_cents = 450;
  store_.plan.est_cost_per_call_cents = 100;
  store_.add_leads(10);
  send_status(campaign_status::running);
  ASSERT_EQ(script_.dials.size(), 2u);
  EXPECT_EQ(waiting_standbys().size(), 2u) << "four holds of 100 fit in 450";
  auto families = registry_.Collect();
  EXPECT_EQ(series_value(families, "dialer_budget_reserved_cents",
                         {{"tenant", std::to_string(tenant)}}),
            400);
  end_all_live();  // each settles at its 100 held: 200 spent, two standbys hold 200
  EXPECT_EQ(script_.dials.size(), 4u);
  EXPECT_TRUE(waiting_standbys().empty()) << "a fifth hold would make 500";
  end_all_live();
  EXPECT_EQ(script_.dials.size(), 4u) << "a dial that could pass the budget is never made";
  EXPECT_EQ(store_.status, campaign_status::paused);
}

TEST_F(campaign_standbys, a_campaign_whose_lines_free_slowly_keeps_no_standby_to_grow_stale) {
  ctx_->options.standby_max_age = std::chrono::seconds(10);
  store_.plan.max_concurrent_calls = 2;
  store_.add_leads(24);
  send_status(campaign_status::running);
  ASSERT_EQ(waiting_standbys().size(), 2u) << "nothing known yet: as configured";
  for (int i = 0; i < 3; ++i) {
    advance(std::chrono::seconds(30));
    end_call(*script_.live.begin());
  }
  EXPECT_TRUE(waiting_standbys().empty()) << "a line every 30 s: a standby would be stale";
  for (int i = 0; i < 12; ++i) {
    advance(std::chrono::seconds(1));
    end_call(*script_.live.begin());
  }
  EXPECT_EQ(waiting_standbys().size(), 2u) << "lines free every second again: standbys pay off";
  while (!script_.live.empty()) end_call(*script_.live.begin());
  EXPECT_EQ(store_.count(lead_status::completed), 24);
  EXPECT_EQ(script_.dials.size(), 24u);
}

TEST_F(campaign_standbys, a_restarted_campaign_withdraws_the_standbys_its_failed_actor_never_sent) {
  store_.plan.max_concurrent_calls = 2;
  store_.add_leads(6);
  send_status(campaign_status::running);
  auto standbys = waiting_standbys();
  ASSERT_EQ(standbys.size(), 2u);
  auto first = campaign_actor();
  caf::anon_send_exit(first, caf::exit_reason::unhandled_exception);
  run();
  advance(std::chrono::seconds(1));
  ASSERT_TRUE(campaign_actor());
  for (auto id : standbys) {
    EXPECT_TRUE(store_.attempts[id].closed) << "withdrawn, not followed: attempt " << id;
    EXPECT_EQ(store_.attempts[id].row.state, attempt_state::planned);
  }
  EXPECT_EQ(script_.syncs.size(), 2u) << "only the two calls in flight are asked about";
  for (int i = 0; i < 4 && !script_.live.empty(); ++i) end_all_live();
  EXPECT_EQ(store_.count(lead_status::completed), 6) << "the standbys' leads were dialled later";
  std::set<id_t> leads_dialled;
  for (const auto& d : script_.dials) leads_dialled.insert(d.lead_id);
  EXPECT_EQ(script_.dials.size(), 6u);
  EXPECT_EQ(leads_dialled.size(), 6u) << "each lead once";
  for (const auto& [id, l] : store_.leads) EXPECT_EQ(l.candidate.attempts, 1) << "lead " << id;
}

}  // namespace
}  // namespace dialer::actors::test
