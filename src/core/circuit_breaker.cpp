#include "core/circuit_breaker.hpp"

#include <algorithm>

namespace dialer {

circuit_breaker::state circuit_breaker::current(epoch_ms now) const {
  if (!open_) return state::closed;
  return now >= reopens_at() ? state::half_open : state::open;
}

bool circuit_breaker::allow(epoch_ms now) {
  if (!would_allow(now)) return false;
  // Half open: this request is the one probe until it reports back.
  if (current(now) == state::half_open) probe_in_flight_ = true;
  return true;
}

bool circuit_breaker::would_allow(epoch_ms now) const {
  switch (current(now)) {
    case state::closed:
      return true;
    case state::open:
      return false;
    case state::half_open:
      return !probe_in_flight_;
  }
  return false;
}

void circuit_breaker::on_success() {
  failures_ = 0;
  open_ = false;
  probe_in_flight_ = false;
  open_ms_ = base_open_ms_;
}

void circuit_breaker::on_failure(epoch_ms now) {
  if (open_ && probe_in_flight_) {
    // The probe failed: stay open, for longer.
    probe_in_flight_ = false;
    open_ms_ = std::min(open_ms_ * 2, max_open_ms_);
    opened_at_ = now;
    return;
  }
  if (open_) return;
  if (++failures_ >= threshold_) {
    open_ = true;
    opened_at_ = now;
    open_ms_ = base_open_ms_;
  }
}

}  // namespace dialer
