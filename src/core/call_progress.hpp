#pragma once

#include <chrono>

#include "core/domain.hpp"

namespace dialer {

/// What a call actor knows about its attempt after applying zero or more webhooks.
struct call_progress {
  attempt_state state = attempt_state::dialing;
  disposition outcome = disposition::none;
  /// True once the call stopped occupying a provider line (ended, not connected, failed).
  bool line_released = false;
  /// True once the call's analysis arrived (or can no longer arrive).
  bool analysis_done = false;
};

/// Rank of a state along the forward-only path; later states have higher ranks.
int progress_rank(attempt_state s);

/// The later of a stored and a reported state: a journal entry never moves back.
attempt_state later_state(attempt_state stored, attempt_state reported);

/// True when `s` means the provider line is no longer used by this attempt.
bool releases_line(attempt_state s);

/// Maps a provider disconnection reason (and voicemail flag) to the campaign's disposition.
disposition disposition_from(std::string_view disconnection_reason,
                             std::optional<bool> in_voicemail);

/// Maps a provider call status and disconnection reason to the attempt state it ends in.
attempt_state state_from_provider(std::string_view call_status,
                                  std::string_view disconnection_reason);

/// Applies one webhook to the progress. State only moves forward: stale, duplicate or
/// out-of-order events never move it back. Returns the new progress.
call_progress apply_event(call_progress current, const webhook_event& ev);

/// Turns a snapshot of the call (get-call or list-calls) into the webhook it is equivalent to,
/// so that catching up after a restart goes through apply_event like everything else.
webhook_event event_from_snapshot(const provider_call& call);

/// Applies the provider's "registered" answer to create-phone-call.
call_progress apply_registered(call_progress current);

/// The wait before a call's next watchdog look-up, after `quiet_checks` look-ups that found it
/// still holding its line: `base` while the call has not started (call_started is due soon
/// after the dial), 4 times `base` once it has (only call_ended is due, and calls last), and
/// twice as long after each such look-up, up to 16 times `base`. At 50,000 calls, a fixed
/// 2-minute look-up meant 400 a second.
std::chrono::milliseconds watchdog_delay(std::chrono::milliseconds base, int quiet_checks,
                                         bool started);

/// True when a snapshot of the call (not a webhook) that took `before` to `after` changed
/// nothing worth a write: same state and disposition, line still held.
bool snapshot_changes_nothing(const call_progress& before, const call_progress& after);

}  // namespace dialer
