#pragma once

#include <optional>

#include "core/domain.hpp"

namespace dialer {

/// Commands a user can give a campaign through the API.
enum class campaign_command { start, pause, resume, stop };

/// The status a campaign moves to when `cmd` is applied in `current`, or nullopt when the
/// command is not allowed in that status (the API answers 409). `start_in_future` is true
/// when the campaign's start_date lies after now.
std::optional<campaign_status> next_status(campaign_status current, campaign_command cmd,
                                           bool start_in_future);

/// True when the campaign may still be edited (draft or paused).
bool editable(campaign_status s);

/// True when the campaign's pacing loop should be dialling.
bool dials(campaign_status s);

/// What the pacing loop should do about the campaign's dates at `now`.
enum class date_gate { wait_for_start, open, past_end };

/// Where `now` stands between the plan's start_at and end_at.
date_gate gate_at(const campaign_plan& plan, epoch_ms now);

/// True when the campaign has finished for good.
bool finished(campaign_status s);

}  // namespace dialer
