#include "core/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace dialer {

token_bucket::token_bucket(double rate_per_s, double burst, epoch_ms now)
    : rate_per_ms_(std::max(rate_per_s, 0.0) / 1000.0),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(now) {}

double token_bucket::available(epoch_ms now) const {
  // A clock that steps backwards refills nothing rather than draining the bucket.
  const double elapsed = static_cast<double>(std::max<epoch_ms>(now - last_, 0));
  return std::min(burst_, tokens_ + elapsed * rate_per_ms_);
}

bool token_bucket::try_take(epoch_ms now) {
  tokens_ = available(now);
  last_ = std::max(last_, now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::int64_t token_bucket::wait_ms(epoch_ms now) const {
  const double missing = 1.0 - available(now);
  if (missing <= 0) return 0;
  if (rate_per_ms_ <= 0) return INT64_MAX;
  // The epsilon keeps a rounding error of the refill from adding a whole millisecond.
  return static_cast<std::int64_t>(std::ceil(missing / rate_per_ms_ - 1e-6));
}

}  // namespace dialer
