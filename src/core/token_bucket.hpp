#pragma once

#include <cstdint>

#include "core/domain.hpp"

namespace dialer {

/// A token bucket: holds at most `burst` tokens, refilled continuously at `rate_per_s`; each
/// admitted request takes one. Time is passed in, so the bucket never reads a clock.
class token_bucket {
 public:
  /// A full bucket at `now`; rate_per_s and burst must be positive (burst at least 1).
  token_bucket(double rate_per_s, double burst, epoch_ms now);

  /// Takes one token at `now`; false (and nothing taken) when the bucket is empty.
  bool try_take(epoch_ms now);

  /// Milliseconds after `now` until a token is available (0 when one is), rounded up.
  std::int64_t wait_ms(epoch_ms now) const;

  /// Tokens available at `now`.
  double available(epoch_ms now) const;

 private:
  double rate_per_ms_;
  double burst_;
  double tokens_;
  epoch_ms last_;
};

}  // namespace dialer
