#include "core/lead_outcome.hpp"

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

lead_next_step next_step_after(disposition outcome, std::int32_t attempts_made,
                               const campaign_plan& plan, epoch_ms now) {
  lead_next_step step;
  if (outcome == disposition::provider_refused) {
    // The provider refused before dialling: the lead goes back without using an attempt.
    step.counts_as_attempt = false;
    step.status = lead_status::pending;
    step.next_attempt_at = now + 5'000;
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

}  // namespace dialer
