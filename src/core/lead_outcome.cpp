#include "core/lead_outcome.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/compliance_decision.hpp"

namespace dialer {
namespace {

std::int64_t retry_delay_s(disposition outcome, const retry_policy& p) {
  switch (outcome) {
    case disposition::no_answer: return p.no_answer_s;
    case disposition::busy: return p.busy_s;
    case disposition::voicemail: return p.voicemail_s;
    default: return p.failed_s;
  }
}

}  // namespace

epoch_ms refusal_delay(std::int32_t refusals_in_a_row, const refusal_backoff& backoff) {
  epoch_ms delay = backoff.base_ms;
  for (std::int32_t i = 1; i < refusals_in_a_row && delay < backoff.max_ms; ++i) delay *= 2;
  return std::min(delay, backoff.max_ms);
}

bool is_provider_refusal(int http_status, std::string_view error_code) {
  return http_status == 429 || error_code == "concurrency_limit_reached";
}

lead_next_step next_step_after(disposition outcome, std::int32_t attempts_made,
                               const campaign_plan& plan, epoch_ms now) {
  return next_step_after(outcome, attempts_made, plan, now, 1);
}

lead_next_step next_step_after(disposition outcome, std::int32_t attempts_made,
                               const campaign_plan& plan, epoch_ms now,
                               std::int32_t refusals_in_a_row, const refusal_backoff& backoff) {
  lead_next_step step;
  if (outcome == disposition::provider_refused) {
    // The provider refused before dialling: the lead goes back without using an attempt.
    step.counts_as_attempt = false;
    step.status = lead_status::pending;
    step.next_attempt_at = now + refusal_delay(refusals_in_a_row, backoff);
    return step;
  }
  if (outcome == disposition::answered) {
    step.status = lead_status::completed;
    step.terminal_reason = "answered";
    return step;
  }
  if (attempts_made >= plan.max_attempts) {
    step.status = lead_status::failed;
    step.terminal_reason = "max_attempts_reached:" + std::string(to_string(outcome));
    return step;
  }
  step.status = lead_status::pending;
  step.next_attempt_at = now + retry_delay_s(outcome, plan.retry) * 1000;
  return step;
}

lead_next_step next_step_after_refusal(epoch_ms now, epoch_ms wait_ms) {
  lead_next_step step;
  step.counts_as_attempt = false;
  step.status = lead_status::pending;
  step.next_attempt_at = now + std::max<epoch_ms>(wait_ms, 0);
  return step;
}

lead_next_step next_step_when_blocked(const compliance_decision& decision, epoch_ms now) {
  lead_next_step step;
  step.counts_as_attempt = false;
  if (decision.allowed) {
    step.next_attempt_at = now;
    return step;
  }
  if (decision.next_allowed_at) {
    step.next_attempt_at = *decision.next_allowed_at;
    return step;
  }
  step.status = lead_status::cancelled;
  step.terminal_reason = "compliance:" + std::string(to_string(decision.reason));
  return step;
}

lead_next_step next_step_due_again(epoch_ms now) {
  lead_next_step step;
  step.counts_as_attempt = false;
  step.next_attempt_at = now;
  return step;
}

standby_step standby_step_at(const compliance_decision& decision, epoch_ms armed_at, epoch_ms now,
                             epoch_ms max_age_ms) {
  standby_step step;
  if (!decision.allowed) {
    step.reason = "withdrawn: " + std::string(to_string(decision.reason));
    step.next = next_step_when_blocked(decision, now);
    return step;
  }
  if (now - armed_at > max_age_ms) {
    step.reason = "withdrawn: stale";
    step.next = next_step_due_again(now);
    return step;
  }
  step.fire = true;
  return step;
}

std::int32_t standby_target(std::int32_t configured, std::int32_t cap, epoch_ms max_age_ms,
                            double free_interval_ms) {
  auto most = std::max(std::min(configured, cap), 0);
  if (free_interval_ms <= 0) return most;
  auto in_time = static_cast<double>(max_age_ms) / free_interval_ms;
  return static_cast<std::int32_t>(std::min<double>(most, std::floor(in_time)));
}

double next_free_interval(double mean_ms, epoch_ms interval_ms) {
  auto interval = static_cast<double>(std::max<epoch_ms>(interval_ms, 0));
  return mean_ms <= 0 ? interval : 0.8 * mean_ms + 0.2 * interval;
}

}  // namespace dialer
