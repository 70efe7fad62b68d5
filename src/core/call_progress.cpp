#include "core/call_progress.hpp"

#include <algorithm>

namespace dialer {

int progress_rank(attempt_state s) {
  switch (s) {
    case attempt_state::planned:
      return 0;
    case attempt_state::dialing:
      return 1;
    case attempt_state::in_doubt:
      return 1;
    case attempt_state::registered:
      return 2;
    case attempt_state::ongoing:
      return 3;
    case attempt_state::ended:
      return 4;
    case attempt_state::failed:
      return 4;
    case attempt_state::not_connected:
      return 4;
    case attempt_state::analyzed:
      return 5;
  }
  return 0;
}

attempt_state later_state(attempt_state stored, attempt_state reported) {
  return progress_rank(reported) > progress_rank(stored) ? reported : stored;
}

bool releases_line(attempt_state s) {
  return progress_rank(s) >= 4;
}

disposition disposition_from(std::string_view reason, std::optional<bool> in_voicemail) {
  if (in_voicemail.value_or(false) || reason == "voicemail_reached") return disposition::voicemail;
  if (reason == "dial_no_answer" || reason == "user_declined") return disposition::no_answer;
  if (reason == "dial_busy") return disposition::busy;
  if (reason == "concurrency_limit_reached" || reason == "no_concurrency_fallback")
    return disposition::provider_refused;
  if (reason == "user_hangup" || reason == "agent_hangup" || reason == "call_transfer" ||
      reason == "inactivity" || reason == "max_duration_reached" || reason == "ivr_reached")
    return disposition::answered;
  return disposition::failed;
}

attempt_state state_from_provider(std::string_view status, std::string_view reason) {
  if (status == "registered") return attempt_state::registered;
  if (status == "ongoing") return attempt_state::ongoing;
  if (status == "ended") return attempt_state::ended;
  if (status == "not_connected") return attempt_state::not_connected;
  if (status == "error") return attempt_state::failed;
  // Unknown status: judge by the reason when there is one, else treat as still registered.
  return reason.empty() ? attempt_state::registered : attempt_state::failed;
}

webhook_event event_from_snapshot(const provider_call& call) {
  webhook_event ev;
  ev.call = call;
  auto state = state_from_provider(call.call_status, call.disconnection_reason);
  if (releases_line(state))
    ev.kind = call.call_summary.empty() && !call.in_voicemail ? webhook_kind::call_ended
                                                              : webhook_kind::call_analyzed;
  else if (state == attempt_state::ongoing)
    ev.kind = webhook_kind::call_started;
  else
    ev.kind = webhook_kind::other;
  ev.event_name = std::string(to_string(ev.kind));
  return ev;
}

call_progress apply_registered(call_progress current) {
  if (progress_rank(current.state) < progress_rank(attempt_state::registered))
    current.state = attempt_state::registered;
  return current;
}

call_progress apply_event(call_progress current, const webhook_event& ev) {
  attempt_state target = current.state;
  switch (ev.kind) {
    case webhook_kind::call_started:
    case webhook_kind::transcript_updated:
      target = attempt_state::ongoing;
      break;
    case webhook_kind::call_ended:
    case webhook_kind::call_analyzed: {
      target = state_from_provider(ev.call.call_status, ev.call.disconnection_reason);
      if (!releases_line(target)) target = attempt_state::ended;
      if (current.outcome == disposition::none)
        current.outcome = disposition_from(ev.call.disconnection_reason, ev.call.in_voicemail);
      else if (ev.kind == webhook_kind::call_analyzed && ev.call.in_voicemail.value_or(false))
        current.outcome = disposition::voicemail;
      if (ev.kind == webhook_kind::call_analyzed) current.analysis_done = true;
      break;
    }
    case webhook_kind::other:
      return current;
  }
  if (progress_rank(target) > progress_rank(current.state)) current.state = target;
  if (ev.kind == webhook_kind::call_analyzed && current.state == attempt_state::ended)
    current.state = attempt_state::analyzed;
  current.line_released = current.line_released || releases_line(current.state);
  if (current.state == attempt_state::failed || current.state == attempt_state::not_connected)
    current.analysis_done = current.analysis_done || ev.kind == webhook_kind::call_analyzed;
  return current;
}

std::chrono::milliseconds watchdog_delay(std::chrono::milliseconds base, int quiet_checks,
                                         bool started) {
  int doublings = (quiet_checks < 0 ? 0 : quiet_checks) + (started ? 2 : 0);
  return base * (1 << (doublings > 4 ? 4 : doublings));
}

bool snapshot_changes_nothing(const call_progress& before, const call_progress& after) {
  return before.state == after.state && before.outcome == after.outcome && !after.line_released &&
         !after.analysis_done;
}

}  // namespace dialer
