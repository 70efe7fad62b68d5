#include "core/time_zone_offsets.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include <date/tz.h>

namespace dialer {

time_zone_offsets::time_zone_offsets(std::string_view name) : name_(name) {
  using namespace std::chrono;
  const date::time_zone* tz = date::locate_zone(name_);  // throws when unknown
  // Walk the zone's history from 1900 on; spans that only change the abbreviation or the
  // DST flag but not the UTC offset are merged, since only the wall clock matters here.
  const date::sys_seconds last{date::sys_days{date::year{2200} / 1 / 1}};
  date::sys_info info = tz->get_info(date::sys_days{date::year{1900} / 1 / 1});
  starts_.push_back(-end_of_time);
  offsets_.push_back(duration_cast<milliseconds>(info.offset).count());
  while (info.end < last) {
    const date::sys_seconds end = info.end;
    info = tz->get_info(end);
    if (info.end <= end) break;  // date/tz's last span: nothing further is known
    const epoch_ms off = duration_cast<milliseconds>(info.offset).count();
    if (off == offsets_.back()) continue;
    starts_.push_back(duration_cast<milliseconds>(info.begin.time_since_epoch()).count());
    offsets_.push_back(off);
  }
  build_buckets();
}

time_zone_offsets::time_zone_offsets(std::string name, std::vector<epoch_ms> starts,
                                     std::vector<epoch_ms> offsets)
    : name_(std::move(name)), starts_(std::move(starts)), offsets_(std::move(offsets)) {
  if (starts_.empty() || starts_.size() != offsets_.size())
    throw std::invalid_argument("time_zone_offsets: starts and offsets must match");
  starts_[0] = -end_of_time;
  build_buckets();
}

void time_zone_offsets::build_buckets() {
  // Buckets up to 2200, past the last transition tzdata lists.
  const epoch_ms last = 7'258'118'400'000;  // 2200-01-01T00:00:00Z
  const std::size_t count = static_cast<std::size_t>(last >> bucket_shift) + 1;
  buckets_.resize(count);
  std::size_t i = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const epoch_ms bucket_start = static_cast<epoch_ms>(k) << bucket_shift;
    while (i + 1 < starts_.size() && starts_[i + 1] <= bucket_start) ++i;
    buckets_[k] = static_cast<std::uint32_t>(i);
  }
}

std::size_t time_zone_offsets::index_at(epoch_ms t) const {
  const std::size_t bucket = t >= 0 ? static_cast<std::size_t>(t >> bucket_shift) : SIZE_MAX;
  if (bucket < buckets_.size()) {
    std::size_t i = buckets_[bucket];
    while (i + 1 < starts_.size() && starts_[i + 1] <= t) ++i;
    return i;
  }
  auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
  return it == starts_.begin() ? 0 : static_cast<std::size_t>(it - starts_.begin()) - 1;
}

offset_span time_zone_offsets::span_at(epoch_ms t) const {
  const std::size_t i = index_at(t);
  offset_span s;
  s.begin = starts_[i];
  s.end = i + 1 < starts_.size() ? starts_[i + 1] : end_of_time;
  s.offset = offsets_[i];
  return s;
}

epoch_ms time_zone_offsets::first_instant_at_local(epoch_ms from, epoch_ms local) const {
  std::size_t i = index_at(from);
  epoch_ms t = from;
  for (;;) {
    const epoch_ms off = offsets_[i];
    if (t + off >= local) return t;
    const epoch_ms candidate = local - off;  // > t
    const bool last = i + 1 >= starts_.size();
    if (last || candidate < starts_[i + 1]) return candidate;
    // The local time is not reached in this span: it lies in a gap or after the next change.
    t = starts_[++i];
  }
}

const time_zone_offsets* time_zone_cache::find(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = zones_.find(name); it != zones_.end()) return it->second.get();
  if (unknown_.count(name) != 0) return nullptr;
  try {
    auto zone = std::make_unique<time_zone_offsets>(name);
    const time_zone_offsets* p = zone.get();
    zones_.emplace(std::string(name), std::move(zone));
    return p;
  } catch (const std::exception&) {
    // Names come from lead data: remember a bounded number of misses only.
    if (unknown_.size() < 1024) unknown_.emplace(name);
    return nullptr;
  }
}

}  // namespace dialer
