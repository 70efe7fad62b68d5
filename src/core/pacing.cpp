#include "core/pacing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dialer {

bool concurrency_limit::try_acquire() {
  if (in_use_ >= limit_) return false;
  ++in_use_;
  return true;
}

void concurrency_limit::release() {
  if (in_use_ > 0) --in_use_;
}

std::string_view to_string(concurrency_scope s) {
  switch (s) {
    case concurrency_scope::campaign:
      return "campaign";
    case concurrency_scope::tenant:
      return "tenant";
    case concurrency_scope::provider_account:
      return "provider_account";
    case concurrency_scope::none:
      break;
  }
  return "none";
}

concurrency_scope acquire_call_slot(concurrency_limit& campaign, concurrency_limit& tenant,
                                    concurrency_limit& account) {
  if (!campaign.available()) return concurrency_scope::campaign;
  if (!tenant.available()) return concurrency_scope::tenant;
  if (!account.available()) return concurrency_scope::provider_account;
  campaign.try_acquire();
  tenant.try_acquire();
  account.try_acquire();
  return concurrency_scope::none;
}

void release_call_slot(concurrency_limit& campaign, concurrency_limit& tenant,
                       concurrency_limit& account) {
  campaign.release();
  tenant.release();
  account.release();
}

std::string_view to_string(rate_limit_kind k) {
  switch (k) {
    case rate_limit_kind::per_hour:
      return "per_hour";
    case rate_limit_kind::per_day:
      return "per_day";
    case rate_limit_kind::none:
      break;
  }
  return "none";
}

call_rate_limit::call_rate_limit(call_rate_limits limits, const time_zone_offsets* campaign_zone)
    : limits_(limits), zone_(campaign_zone) {
  if (limits_.per_hour && *limits_.per_hour > 0)
    recent_.reserve(static_cast<std::size_t>(*limits_.per_hour));
}

std::int64_t call_rate_limit::local_day(epoch_ms t) const {
  return floor_div(zone_ ? zone_->to_local(t) : t, ms_per_day);
}

epoch_ms call_rate_limit::start_of_next_day(epoch_ms t) const {
  const epoch_ms next_local = (local_day(t) + 1) * ms_per_day;
  return zone_ ? zone_->first_instant_at_local(t, next_local) : next_local;
}

rate_admission call_rate_limit::check(epoch_ms now) const {
  rate_admission a;
  a.next_at = now;
  if (limits_.per_day) {
    const std::int32_t today = local_day(now) == day_ ? day_count_ : 0;
    if (today >= *limits_.per_day) {
      a.allowed = false;
      a.blocked_by = rate_limit_kind::per_day;
      a.next_at = *limits_.per_day <= 0 ? end_of_time : start_of_next_day(now);
    }
  }
  if (limits_.per_hour) {
    const std::int32_t cap = *limits_.per_hour;
    epoch_ms free_at = now;
    if (cap <= 0)
      free_at = end_of_time;
    else if (recent_.size() >= static_cast<std::size_t>(cap))
      free_at = recent_[head_] + ms_per_hour;  // the oldest of the last `cap` starts
    if (free_at > now) {
      if (a.allowed) a.blocked_by = rate_limit_kind::per_hour;
      a.allowed = false;
      a.next_at = std::max(a.next_at, free_at);
    }
  }
  return a;
}

void call_rate_limit::record(epoch_ms now) {
  const std::int64_t day = local_day(now);
  if (day != day_) {
    day_ = day;
    day_count_ = 0;
  }
  ++day_count_;
  if (limits_.per_hour && *limits_.per_hour > 0) {
    const auto cap = static_cast<std::size_t>(*limits_.per_hour);
    if (recent_.size() < cap) {
      recent_.push_back(now);
    } else {
      recent_[head_] = now;
      head_ = (head_ + 1) % cap;
    }
  }
}

std::int32_t call_rate_limit::calls_last_hour(epoch_ms now) const {
  return static_cast<std::int32_t>(std::count_if(
      recent_.begin(), recent_.end(), [now](epoch_ms t) { return t > now - ms_per_hour; }));
}

std::int32_t call_rate_limit::calls_today(epoch_ms now) const {
  return local_day(now) == day_ ? day_count_ : 0;
}

namespace {

/// Time to earn one token at `per_second`, rounded up: the bucket may be a hair slower than the
/// rate, never faster.
std::int64_t token_interval_us(double per_second) {
  if (!(per_second > 0) || !std::isfinite(per_second))
    throw std::invalid_argument("caller_token_bucket: rate must be > 0");
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(1e6 / per_second)));
}

constexpr std::int64_t never_taken_us = INT64_MIN / 4;

}  // namespace

caller_token_bucket::caller_token_bucket(double per_second, std::int32_t burst)
    : per_second_(per_second), burst_(burst) {
  if (burst < 1) throw std::invalid_argument("caller_token_bucket: burst must be >= 1");
  interval_us_ = token_interval_us(per_second);
  tolerance_us_ = interval_us_ * (burst - 1);
  ready_us_ = never_taken_us;
}

void caller_token_bucket::set_rate(double per_second) {
  const std::int64_t interval = token_interval_us(per_second);
  // ready_us_ is the last token's time plus one old interval: move it to one new interval.
  if (ready_us_ > never_taken_us / 2) ready_us_ += interval - interval_us_;
  per_second_ = per_second;
  interval_us_ = interval;
  tolerance_us_ = interval_us_ * (burst_ - 1);
}

bool caller_token_bucket::try_take(epoch_ms now) {
  const std::int64_t now_us = now * 1000;
  if (now_us < ready_us_ - tolerance_us_) return false;
  ready_us_ = std::max(ready_us_, now_us) + interval_us_;
  return true;
}

epoch_ms caller_token_bucket::next_token_at(epoch_ms now) const {
  const std::int64_t at_us = ready_us_ - tolerance_us_;
  if (at_us <= now * 1000) return now;
  return (at_us + 999) / 1000;  // at_us > 0 here
}

void caller_dial_queue::push(std::uint64_t id, const std::string& caller, double per_second) {
  auto it = callers_.find(caller);
  if (it == callers_.end()) {
    it = callers_.emplace(caller, caller_dial_queue::caller{caller_token_bucket(per_second), {}})
             .first;
  } else if (it->second.bucket.per_second() != per_second) {
    it->second.bucket.set_rate(per_second);
  }
  it->second.waiting.push_back(id);
  ++size_;
}

std::map<std::string, caller_dial_queue::caller>::const_iterator caller_dial_queue::oldest_ready(
    epoch_ms now) const {
  auto best = callers_.end();
  for (auto it = callers_.begin(); it != callers_.end(); ++it) {
    const auto& c = it->second;
    if (c.waiting.empty() || c.bucket.next_token_at(now) > now) continue;
    if (best == callers_.end() || c.waiting.front() < best->second.waiting.front()) best = it;
  }
  return best;
}

std::optional<std::uint64_t> caller_dial_queue::ready(epoch_ms now) const {
  auto it = oldest_ready(now);
  if (it == callers_.end()) return std::nullopt;
  return it->second.waiting.front();
}

std::optional<std::uint64_t> caller_dial_queue::take_ready(epoch_ms now) {
  auto found = oldest_ready(now);
  if (found == callers_.end()) return std::nullopt;
  auto& c = callers_.at(found->first);
  c.bucket.try_take(now);
  auto id = c.waiting.front();
  c.waiting.pop_front();
  --size_;
  // Numbers with nothing waiting whose bucket is full again are forgotten: with a burst of 1 a
  // full bucket is the same as a new one.
  for (auto it = callers_.begin(); it != callers_.end();) {
    if (it->second.waiting.empty() && it->second.bucket.next_token_at(now) <= now)
      it = callers_.erase(it);
    else
      ++it;
  }
  return id;
}

std::vector<std::uint64_t> caller_dial_queue::take_all() {
  std::vector<std::uint64_t> ids;
  ids.reserve(size_);
  for (auto& [number, c] : callers_) {
    ids.insert(ids.end(), c.waiting.begin(), c.waiting.end());
    c.waiting.clear();
  }
  std::sort(ids.begin(), ids.end());
  size_ = 0;
  return ids;
}

std::optional<epoch_ms> caller_dial_queue::next_ready_at(epoch_ms now) const {
  std::optional<epoch_ms> first;
  for (const auto& [number, c] : callers_) {
    if (c.waiting.empty()) continue;
    auto at = c.bucket.next_token_at(now);
    if (!first || at < *first) first = at;
  }
  return first;
}

}  // namespace dialer
