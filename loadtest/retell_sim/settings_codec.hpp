#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "retell_sim/sim_settings.hpp"

namespace dialer::sim {

/// The result of applying a /sim/config body: the new settings or an error message.
struct settings_update {
  std::optional<sim_settings> settings;
  std::string error;
};

/// Applies a JSON object of snake_case settings on top of `current`. Keys: webhook_url
/// (string; "" or null: none), time_scale, concurrency_limit, concurrency_mode ("error"|"429"),
/// retry_after_seconds, mix (object of weights, or the "answered=60,..." text; replaces the
/// whole mix), mean_call_seconds, ring_seconds, analysis_seconds, transcript_updated (bool),
/// fail_429_ratio, fail_500_ratio, slow_ms, duplicate_webhook_ratio, reorder_webhooks_ratio,
/// drop_call_started_ratio. Unknown keys, wrong types and out-of-range values are errors and
/// leave nothing applied.
settings_update apply_settings_json(const sim_settings& current, std::string_view json);

/// The settings as a JSON object with the same keys apply_settings_json accepts.
std::string settings_json(const sim_settings& s);

}  // namespace dialer::sim
