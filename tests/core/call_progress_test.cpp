#include "core/call_progress.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

webhook_event event(webhook_kind kind, std::string status = "", std::string reason = "",
                    std::optional<bool> voicemail = std::nullopt) {
  webhook_event ev;
  ev.kind = kind;
  ev.event_name = std::string(to_string(kind));
  ev.call.call_status = std::move(status);
  ev.call.disconnection_reason = std::move(reason);
  ev.call.in_voicemail = voicemail;
  return ev;
}

TEST(call_progress, answered_call_moves_through_every_state) {
  call_progress p;
  p = apply_registered(p);
  EXPECT_EQ(p.state, attempt_state::registered);
  p = apply_event(p, event(webhook_kind::call_started, "ongoing"));
  EXPECT_EQ(p.state, attempt_state::ongoing);
  EXPECT_FALSE(p.line_released);
  p = apply_event(p, event(webhook_kind::call_ended, "ended", "user_hangup"));
  EXPECT_EQ(p.state, attempt_state::ended);
  EXPECT_TRUE(p.line_released);
  EXPECT_EQ(p.outcome, disposition::answered);
  EXPECT_FALSE(p.analysis_done);
  p = apply_event(p, event(webhook_kind::call_analyzed, "ended", "user_hangup", false));
  EXPECT_EQ(p.state, attempt_state::analyzed);
  EXPECT_TRUE(p.analysis_done);
}

TEST(call_progress, late_call_started_never_moves_state_back) {
  call_progress p = apply_registered({});
  p = apply_event(p, event(webhook_kind::call_ended, "ended", "agent_hangup"));
  p = apply_event(p, event(webhook_kind::call_started, "ongoing"));
  EXPECT_EQ(p.state, attempt_state::ended);
  EXPECT_TRUE(p.line_released);
}

TEST(call_progress, duplicates_change_nothing) {
  call_progress p = apply_registered({});
  auto ended = event(webhook_kind::call_ended, "not_connected", "dial_busy");
  p = apply_event(p, ended);
  call_progress again = apply_event(p, ended);
  EXPECT_EQ(again.state, p.state);
  EXPECT_EQ(again.outcome, disposition::busy);
}

TEST(call_progress, analyzed_before_ended_still_releases_the_line) {
  call_progress p = apply_registered({});
  p = apply_event(p, event(webhook_kind::call_analyzed, "ended", "voicemail_reached", true));
  EXPECT_TRUE(p.line_released);
  EXPECT_TRUE(p.analysis_done);
  EXPECT_EQ(p.outcome, disposition::voicemail);
  p = apply_event(p, event(webhook_kind::call_ended, "ended", "voicemail_reached"));
  EXPECT_EQ(p.state, attempt_state::analyzed);
}

TEST(call_progress, not_connected_and_error_calls_end_without_call_started) {
  call_progress p = apply_event(apply_registered({}),
                                event(webhook_kind::call_ended, "not_connected", "dial_no_answer"));
  EXPECT_EQ(p.state, attempt_state::not_connected);
  EXPECT_EQ(p.outcome, disposition::no_answer);
  call_progress e = apply_event(
      apply_registered({}), event(webhook_kind::call_ended, "error", "concurrency_limit_reached"));
  EXPECT_EQ(e.state, attempt_state::failed);
  EXPECT_EQ(e.outcome, disposition::provider_refused);
}

TEST(later_state, a_stored_state_never_moves_back_and_equal_ranks_keep_the_stored_one) {
  EXPECT_EQ(later_state(attempt_state::registered, attempt_state::ongoing), attempt_state::ongoing);
  EXPECT_EQ(later_state(attempt_state::analyzed, attempt_state::ongoing), attempt_state::analyzed);
  EXPECT_EQ(later_state(attempt_state::ended, attempt_state::failed), attempt_state::ended);
  EXPECT_EQ(later_state(attempt_state::in_doubt, attempt_state::dialing), attempt_state::in_doubt);
  EXPECT_EQ(later_state(attempt_state::in_doubt, attempt_state::registered),
            attempt_state::registered);
}

TEST(disposition, maps_every_group_of_reasons) {
  struct row {
    const char* reason;
    std::optional<bool> voicemail;
    disposition expected;
  };
  const row rows[] = {
      {"user_hangup", false, disposition::answered},
      {"agent_hangup", std::nullopt, disposition::answered},
      {"max_duration_reached", std::nullopt, disposition::answered},
      {"user_hangup", true, disposition::voicemail},
      {"voicemail_reached", std::nullopt, disposition::voicemail},
      {"dial_no_answer", std::nullopt, disposition::no_answer},
      {"dial_busy", std::nullopt, disposition::busy},
      {"dial_failed", std::nullopt, disposition::failed},
      {"invalid_destination", std::nullopt, disposition::failed},
      {"concurrency_limit_reached", std::nullopt, disposition::provider_refused},
      {"error_llm_websocket_open", std::nullopt, disposition::failed},
      {"some_future_reason", std::nullopt, disposition::failed},
  };
  for (const auto& r : rows)
    EXPECT_EQ(disposition_from(r.reason, r.voicemail), r.expected) << r.reason;
}

TEST(state_from_provider, unknown_status_with_reason_is_a_failure) {
  EXPECT_EQ(state_from_provider("ended", "user_hangup"), attempt_state::ended);
  EXPECT_EQ(state_from_provider("weird", "x"), attempt_state::failed);
  EXPECT_EQ(state_from_provider("weird", ""), attempt_state::registered);
}

}  // namespace
}  // namespace dialer

namespace dialer {
namespace {

TEST(event_from_snapshot, maps_provider_status_to_the_equivalent_webhook) {
  provider_call c;
  c.call_status = "ongoing";
  EXPECT_EQ(event_from_snapshot(c).kind, webhook_kind::call_started);
  c.call_status = "registered";
  EXPECT_EQ(event_from_snapshot(c).kind, webhook_kind::other);
  c.call_status = "not_connected";
  c.disconnection_reason = "dial_busy";
  EXPECT_EQ(event_from_snapshot(c).kind, webhook_kind::call_ended);
  c.call_status = "ended";
  c.disconnection_reason = "user_hangup";
  c.call_summary = "Interested, call back Monday";
  auto ev = event_from_snapshot(c);
  EXPECT_EQ(ev.kind, webhook_kind::call_analyzed);
  auto p = apply_event(apply_registered({}), ev);
  EXPECT_TRUE(p.line_released);
  EXPECT_TRUE(p.analysis_done);
  EXPECT_EQ(p.outcome, disposition::answered);
}

}  // namespace
}  // namespace dialer

namespace dialer {
namespace {

TEST(watchdog_delay, doubles_with_each_quiet_look_up_up_to_sixteen_times_the_base) {
  using std::chrono::milliseconds;
  const milliseconds base{120'000};
  EXPECT_EQ(watchdog_delay(base, 0, false), base);
  EXPECT_EQ(watchdog_delay(base, 1, false), base * 2);
  EXPECT_EQ(watchdog_delay(base, 3, false), base * 8);
  EXPECT_EQ(watchdog_delay(base, 4, false), base * 16);
  EXPECT_EQ(watchdog_delay(base, 40, false), base * 16) << "capped, never overflowing";
  EXPECT_EQ(watchdog_delay(base, -1, false), base);
}

TEST(watchdog_delay, a_started_call_is_first_asked_about_after_four_times_the_base) {
  using std::chrono::milliseconds;
  const milliseconds base{120'000};
  EXPECT_EQ(watchdog_delay(base, 0, true), base * 4);
  EXPECT_EQ(watchdog_delay(base, 1, true), base * 8);
  EXPECT_EQ(watchdog_delay(base, 2, true), base * 16);
  EXPECT_EQ(watchdog_delay(base, 9, true), base * 16);
}

TEST(snapshot_changes_nothing, only_when_state_disposition_and_line_stay_the_same) {
  call_progress ongoing;
  ongoing.state = attempt_state::ongoing;
  EXPECT_TRUE(snapshot_changes_nothing(ongoing, ongoing));
  call_progress registered;
  registered.state = attempt_state::registered;
  EXPECT_FALSE(snapshot_changes_nothing(registered, ongoing)) << "the call started";
  provider_call ended;
  ended.call_status = "ended";
  ended.disconnection_reason = "user_hangup";
  auto after = apply_event(ongoing, event_from_snapshot(ended));
  EXPECT_FALSE(snapshot_changes_nothing(ongoing, after)) << "the line was released";
  call_progress other_outcome = ongoing;
  other_outcome.outcome = disposition::voicemail;
  EXPECT_FALSE(snapshot_changes_nothing(ongoing, other_outcome));
}

}  // namespace
}  // namespace dialer
