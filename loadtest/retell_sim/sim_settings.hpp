#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "retell_sim/outcome_mix.hpp"

namespace dialer::sim {

/// What the simulated account does with a create over its concurrency limit.
enum class concurrency_mode {
  error,       ///< 201, then the call ends at once in "error" / concurrency_limit_reached
  rate_limit,  ///< 429 with Retry-After; no call is placed
};

/// Text name of a concurrency mode ("error" or "429").
std::string_view to_string(concurrency_mode m);

/// Looks a concurrency mode up by its text name; nullopt when unknown.
std::optional<concurrency_mode> concurrency_mode_from_string(std::string_view name);

/// Everything about the simulated provider that may change while it runs (POST /sim/config).
/// Times called "seconds" are simulated seconds; "_ms" ones are real milliseconds.
struct sim_settings {
  std::string webhook_url;              ///< empty: events are not sent (counted as skipped)
  double time_scale = 1.0;              ///< simulated seconds per real second
  std::int64_t concurrency_limit = 20;  ///< calls counted from create until they end
  concurrency_mode over_limit = concurrency_mode::error;
  std::int64_t retry_after_seconds = 1;  ///< Retry-After on 429 answers
  outcome_mix mix;                       ///< outcome weights
  double mean_call_seconds = 120;        ///< answered calls last 0.25x..1.75x of this
  double ring_seconds = 20;              ///< full ring before dial_no_answer
  double analysis_seconds = 5;           ///< from call_ended to call_analyzed
  bool transcript_updated = false;       ///< send one transcript_updated per connected call
  double fail_429_ratio = 0;             ///< creates refused with 429
  double fail_500_ratio = 0;             ///< creates refused with 500
  std::int64_t slow_ms = 0;              ///< real delay before answering a create
  double duplicate_webhook_ratio = 0;    ///< events delivered twice
  double reorder_webhooks_ratio = 0;     ///< calls whose call_started follows call_ended
  double drop_call_started_ratio = 0;    ///< calls whose call_started is never sent
};

/// Checks ranges and consistency (ratios in [0, 1], 429 + 500 ratios <= 1, positive times,
/// a usable mix, an http:// webhook URL); returns the first problem or an empty string.
std::string validate(const sim_settings& s);

/// Converts simulated seconds into real milliseconds under `time_scale` (at least 0).
std::int64_t real_ms(double simulated_seconds, double time_scale);

}  // namespace dialer::sim
