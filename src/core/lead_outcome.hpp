#pragma once

#include "core/domain.hpp"

namespace dialer {

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

}  // namespace dialer
