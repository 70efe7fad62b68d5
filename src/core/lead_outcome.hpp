#pragma once

#include <string>
#include <string_view>

#include "core/domain.hpp"

namespace dialer {

/// The compliance decision (core/compliance_decision.hpp).
struct compliance_decision;

/// What happens to a lead after one attempt ended.
struct lead_next_step {
  lead_status status = lead_status::pending;
  /// When the lead may be dialled again; meaningful only while status is pending.
  epoch_ms next_attempt_at = 0;
  /// Whether the attempt counts against max_attempts.
  bool counts_as_attempt = true;
  /// Why the lead closed; empty while it stays pending.
  std::string terminal_reason;
};

/// Decides a lead's next step from the attempt's outcome, the attempts made so far (including
/// this one when it counts), the campaign's limits and the time the outcome became known.
lead_next_step next_step_after(disposition outcome, std::int32_t attempts_made,
                               const campaign_plan& plan, epoch_ms now);

/// How long a lead waits after the provider refused to place its call: `base_ms` after the
/// first refusal, doubling with each refusal in a row, at most `max_ms`.
struct refusal_backoff {
  epoch_ms base_ms = 5'000;
  epoch_ms max_ms = 300'000;
};

/// The wait after `refusals_in_a_row` consecutive provider refusals (1 for the first).
epoch_ms refusal_delay(std::int32_t refusals_in_a_row, const refusal_backoff& backoff = {});

/// True when the provider refused to place a call rather than failing it (HTTP 429, or the
/// error code "concurrency_limit_reached"): the lead goes back without using an attempt.
bool is_provider_refusal(int http_status, std::string_view error_code);

/// next_step_after, with the refusal wait growing over `refusals_in_a_row` refusals.
lead_next_step next_step_after(disposition outcome, std::int32_t attempts_made,
                               const campaign_plan& plan, epoch_ms now,
                               std::int32_t refusals_in_a_row, const refusal_backoff& backoff = {});

/// The next step of a lead whose create the provider refused (429) and the gateway decided how
/// long creates wait (its Retry-After, else backoff): back to pending `wait_ms` from `now`,
/// without using an attempt.
lead_next_step next_step_after_refusal(epoch_ms now, epoch_ms wait_ms);

/// The next step of a lead the compliance decision refused before dialling: back to pending at
/// next_allowed_at without using an attempt, or cancelled with reason
/// "compliance:<block reason>" when no time within the search horizon allows it (DNC,
/// consent, no rule, campaign ended ...). An allowed decision leaves the lead pending at `now`.
lead_next_step next_step_when_blocked(const compliance_decision& decision, epoch_ms now);

/// A lead whose dial was withdrawn before it was sent: pending and due at `now`, the attempt
/// given back.
lead_next_step next_step_due_again(epoch_ms now);

/// What a campaign does with a standby dial (journalled ahead, before a line was free) when a
/// line frees: fire it, or withdraw it (the attempt closes without counting) and move its lead
/// on by `next`.
struct standby_step {
  bool fire = false;
  /// Why it is withdrawn (the attempt's error text); empty when it fires.
  std::string reason;
  lead_next_step next;
};

/// Decides a standby armed at `armed_at` from the compliance decision taken again for `now`
/// (on the facts read when it was journalled): blocked, it waits for its next allowed time (or
/// closes) as any blocked lead; older than `max_age_ms`, it is withdrawn and due again now
/// (its facts, DNC and consent, may be stale); else it fires.
standby_step standby_step_at(const compliance_decision& decision, epoch_ms armed_at, epoch_ms now,
                             epoch_ms max_age_ms);

/// How many standbys a campaign keeps: at most `configured` and its cap, and no more than its
/// lines free up within `max_age_ms` at the campaign's mean interval between freed lines
/// (`free_interval_ms`, 0 while unknown), so that standbys are sent before they grow stale.
std::int32_t standby_target(std::int32_t configured, std::int32_t cap, epoch_ms max_age_ms,
                            double free_interval_ms);

/// The mean interval between a campaign's freed lines, moved by one more interval (an
/// exponentially weighted mean; `mean_ms` 0: none known yet).
double next_free_interval(double mean_ms, epoch_ms interval_ms);

}  // namespace dialer
