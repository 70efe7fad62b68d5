#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"

namespace dialer {

/// Milliseconds in a minute, an hour and a day.
constexpr epoch_ms ms_per_minute = 60'000;
constexpr epoch_ms ms_per_hour = 3'600'000;
constexpr epoch_ms ms_per_day = 86'400'000;

/// An instant later than any the engine handles ("never"), far enough from the int64 limit
/// that adding an offset or a day cannot overflow.
constexpr epoch_ms end_of_time = INT64_MAX / 4;

/// Floor division for negative instants too.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/// A stretch of time during which a zone's UTC offset stays the same: [begin, end).
struct offset_span {
  epoch_ms begin = -end_of_time;
  epoch_ms end = end_of_time;
  /// Local wall-clock time minus UTC, in milliseconds.
  epoch_ms offset = 0;
};

/// One IANA zone's UTC offsets over time, read once from date/tz (system tzdata) so that a
/// lookup is a binary search with no lock and no allocation.
///
/// Local times are "local milliseconds": wall-clock readings counted from 1970-01-01 00:00
/// local, so that floor_div(local, ms_per_day) is the local civil day.
/// Limit: the system's TZif files list transitions up to 2037; later instants keep the offset
/// in force at the end of 2037 (date/tz does not read the files' POSIX rule footer).
class time_zone_offsets {
 public:
  /// Reads zone `name` from tzdata; throws std::runtime_error when there is no such zone.
  explicit time_zone_offsets(std::string_view name);
  /// A zone with explicit spans (tests): offsets[i] applies from starts[i] (starts ascending;
  /// starts[0] is ignored and taken as the beginning of time).
  time_zone_offsets(std::string name, std::vector<epoch_ms> starts, std::vector<epoch_ms> offsets);

  /// The IANA name ("Europe/Paris").
  const std::string& name() const { return name_; }
  /// The span of constant offset that contains `t`.
  offset_span span_at(epoch_ms t) const;
  /// The local wall-clock reading at `t`, in local milliseconds.
  epoch_ms to_local(epoch_ms t) const { return t + span_at(t).offset; }
  /// The first instant at or after `from` whose wall-clock reading is at least `local`: the
  /// start of a local time, or the end of the DST gap it falls in.
  epoch_ms first_instant_at_local(epoch_ms from, epoch_ms local) const;
  /// Number of spans (for tests and diagnostics).
  std::size_t span_count() const { return starts_.size(); }

 private:
  std::size_t index_at(epoch_ms t) const;

  void build_buckets();

  std::string name_;
  std::vector<epoch_ms> starts_;
  std::vector<epoch_ms> offsets_;
  // For instants from 1970 on, bucket k = t >> bucket_shift (about 397 days) starts its search
  // at span buckets_[k]: a lookup then steps over at most a few DST changes.
  static constexpr int bucket_shift = 35;
  std::vector<std::uint32_t> buckets_;
};

/// The candidate zones of one number, as cached pointers (the decision reads them directly).
using zone_set = std::vector<const time_zone_offsets*>;

/// Every zone looked up so far, built on first use and kept for the cache's lifetime, so the
/// pointers it hands out stay valid. Thread-safe.
class time_zone_cache {
 public:
  /// The zone named `name`; nullptr when tzdata has no such zone.
  const time_zone_offsets* find(std::string_view name);

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<time_zone_offsets>, std::less<>> zones_;
  std::set<std::string, std::less<>> unknown_;
};

}  // namespace dialer
