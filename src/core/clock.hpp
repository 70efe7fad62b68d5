#pragma once

#include <atomic>

#include "core/domain.hpp"

namespace dialer {

/// The engine's only source of "now"; production uses system_clock_source, tests a manual one.
class clock_source {
 public:
  virtual ~clock_source() = default;
  /// Current instant in milliseconds since the epoch.
  virtual epoch_ms now_ms() const = 0;
};

/// Wall-clock time.
class system_clock_source final : public clock_source {
 public:
  epoch_ms now_ms() const override;
};

/// A clock that only moves when a test moves it.
class manual_clock final : public clock_source {
 public:
  /// Starts at `start`.
  explicit manual_clock(epoch_ms start) : now_(start) {}
  epoch_ms now_ms() const override { return now_.load(); }
  /// Moves time forward by `delta` milliseconds.
  void advance(epoch_ms delta) { now_ += delta; }
  /// Sets the current instant.
  void set(epoch_ms t) { now_ = t; }

 private:
  std::atomic<epoch_ms> now_;
};

/// Formats an instant as ISO 8601 UTC with seconds precision ("2026-01-15T14:30:00Z").
std::string format_iso8601(epoch_ms t);

/// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD" (midnight UTC); nullopt when malformed.
std::optional<epoch_ms> parse_iso8601(std::string_view text);

}  // namespace dialer
