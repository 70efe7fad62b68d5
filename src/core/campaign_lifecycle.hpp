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

/// True when the campaign has finished for good.
bool finished(campaign_status s);

}  // namespace dialer
