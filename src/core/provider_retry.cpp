#include "core/provider_retry.hpp"

#include <algorithm>

namespace dialer {

bool is_retryable_provider_status(unsigned status) {
  return status == 0 || status == 408 || status == 409 || status == 429 ||
         (status >= 500 && status < 600);
}

epoch_ms provider_retry_wait(std::optional<std::int64_t> retry_after_ms,
                             std::int32_t failures_in_a_row, double jitter,
                             const provider_backoff& backoff) {
  if (retry_after_ms) return std::clamp<epoch_ms>(*retry_after_ms, 0, backoff.retry_after_cap_ms);
  epoch_ms full = std::max<epoch_ms>(backoff.base_ms, 1);
  for (std::int32_t i = 1; i < failures_in_a_row && full < backoff.max_ms; ++i) full *= 2;
  full = std::min(full, backoff.max_ms);
  jitter = std::clamp(jitter, 0.0, 1.0);
  const epoch_ms half = full / 2;
  return full - half + static_cast<epoch_ms>(static_cast<double>(half) * jitter);
}

}  // namespace dialer
