#include "retell_sim/sim_settings.hpp"

#include <cmath>

#include "retell_sim/http_url.hpp"

namespace dialer::sim {
namespace {

bool is_ratio(double v) {
  return std::isfinite(v) && v >= 0 && v <= 1;
}
bool is_positive(double v) {
  return std::isfinite(v) && v > 0;
}

}  // namespace

std::string_view to_string(concurrency_mode m) {
  return m == concurrency_mode::error ? "error" : "429";
}

std::optional<concurrency_mode> concurrency_mode_from_string(std::string_view name) {
  if (name == "error") return concurrency_mode::error;
  if (name == "429") return concurrency_mode::rate_limit;
  return std::nullopt;
}

std::string validate(const sim_settings& s) {
  if (!s.webhook_url.empty() && !parse_http_url(s.webhook_url))
    return "webhook_url must look like http://host:port/path";
  if (!is_positive(s.time_scale)) return "time_scale must be a number > 0";
  if (s.concurrency_limit < 0) return "concurrency_limit must be >= 0";
  if (s.retry_after_seconds < 0) return "retry_after_seconds must be >= 0";
  if (!(s.mix.total() > 0)) return "mix weights must not all be zero";
  if (!is_positive(s.mean_call_seconds)) return "mean_call_seconds must be a number > 0";
  if (!is_positive(s.ring_seconds)) return "ring_seconds must be a number > 0";
  if (!std::isfinite(s.analysis_seconds) || s.analysis_seconds < 0)
    return "analysis_seconds must be a number >= 0";
  if (!is_ratio(s.fail_429_ratio)) return "fail_429_ratio must be between 0 and 1";
  if (!is_ratio(s.fail_500_ratio)) return "fail_500_ratio must be between 0 and 1";
  if (s.fail_429_ratio + s.fail_500_ratio > 1)
    return "fail_429_ratio + fail_500_ratio must not exceed 1";
  if (s.slow_ms < 0 || s.slow_ms > 3600000) return "slow_ms must be between 0 and 3600000";
  if (!is_ratio(s.duplicate_webhook_ratio))
    return "duplicate_webhook_ratio must be between 0 and 1";
  if (!is_ratio(s.reorder_webhooks_ratio)) return "reorder_webhooks_ratio must be between 0 and 1";
  if (!is_ratio(s.drop_call_started_ratio))
    return "drop_call_started_ratio must be between 0 and 1";
  return {};
}

std::int64_t real_ms(double simulated_seconds, double time_scale) {
  if (!(simulated_seconds > 0) || !(time_scale > 0)) return 0;
  double ms = simulated_seconds * 1000.0 / time_scale;
  if (ms > 9.0e15) return static_cast<std::int64_t>(9.0e15);
  return static_cast<std::int64_t>(std::llround(ms));
}

}  // namespace dialer::sim
