#pragma once

#include <cstdint>
#include <optional>

#include "core/domain.hpp"

namespace dialer {

/// How long the provider gateway waits before it asks the provider again (a look-up that got
/// no clear answer, get-concurrency that failed) or lets creates go again after a 429.
struct provider_backoff {
  epoch_ms base_ms = 500;    ///< the first wait without a Retry-After
  epoch_ms max_ms = 30'000;  ///< the longest wait without a Retry-After
  /// The longest wait a Retry-After may ask for; a provider asking for more is waited on only
  /// this long (a bad header must not stop dialling for hours).
  epoch_ms retry_after_cap_ms = 60'000;
};

/// True for provider answers worth another try (RETELL.md): no answer (status 0), 408, 409,
/// 429 and 5xx.
bool is_retryable_provider_status(unsigned status);

/// The wait before the next try after `failures_in_a_row` (>= 1) failed tries: the provider's
/// Retry-After when it sent one (`retry_after_ms`, clamped to [0, retry_after_cap_ms]); else
/// exponential backoff with jitter: base * 2^(failures - 1), at most max_ms, of which the upper
/// half is scaled by `jitter` in [0, 1) so that many waiters do not come back together.
epoch_ms provider_retry_wait(std::optional<std::int64_t> retry_after_ms,
                             std::int32_t failures_in_a_row, double jitter,
                             const provider_backoff& backoff = {});

}  // namespace dialer
