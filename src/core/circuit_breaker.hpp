#pragma once

#include <cstdint>

#include "core/domain.hpp"

namespace dialer {

/// Holds dialling while the provider is failing and lets it resume by itself: after
/// `failure_threshold` failures in a row it opens for `open_ms`, then lets one probe through
/// (half open); the probe's success closes it, its failure opens it again for twice as long
/// (up to `max_open_ms`).
class circuit_breaker {
 public:
  /// Where the breaker stands.
  enum class state { closed, open, half_open };

  /// A breaker that opens after `failure_threshold` consecutive failures.
  circuit_breaker(std::int32_t failure_threshold, epoch_ms open_ms, epoch_ms max_open_ms)
      : threshold_(failure_threshold), base_open_ms_(open_ms), max_open_ms_(max_open_ms),
        open_ms_(open_ms) {}

  /// True when a request may go to the provider at `now`; in half-open state only one may.
  bool allow(epoch_ms now);
  /// What allow(now) would answer, without letting the probe through.
  bool would_allow(epoch_ms now) const;
  /// The provider answered (any answer that is not a provider failure).
  void on_success();
  /// The provider failed (no answer, 5xx) at `now`.
  void on_failure(epoch_ms now);
  /// The state at `now` (an open breaker whose time is up reports half_open).
  state current(epoch_ms now) const;
  /// When an open breaker lets the next probe through.
  epoch_ms reopens_at() const { return opened_at_ + open_ms_; }

 private:
  std::int32_t threshold_;
  epoch_ms base_open_ms_;
  epoch_ms max_open_ms_;
  epoch_ms open_ms_;
  std::int32_t failures_ = 0;
  bool open_ = false;
  bool probe_in_flight_ = false;
  epoch_ms opened_at_ = 0;
};

}  // namespace dialer
