#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"
#include "core/time_zone_offsets.hpp"

namespace dialer {

/// Calls in flight against one limit (a campaign, a tenant or a provider account). A plain
/// value owned by one actor; not thread-safe.
class concurrency_limit {
 public:
  /// Allows up to `limit` calls at once (0 or less: none).
  explicit concurrency_limit(std::int32_t limit) : limit_(limit) {}
  /// Takes a slot; false when all are in use.
  bool try_acquire();
  /// Gives a slot back (never below zero).
  void release();
  /// Slots in use.
  std::int32_t in_use() const { return in_use_; }
  /// The limit.
  std::int32_t limit() const { return limit_; }
  /// Changes the limit; calls already in flight stay (a lower limit only stops new ones).
  void set_limit(std::int32_t limit) { limit_ = limit; }
  /// True when a slot is free.
  bool available() const { return in_use_ < limit_; }

 private:
  std::int32_t limit_;
  std::int32_t in_use_ = 0;
};

/// The scope whose concurrency limit refused a call.
enum class concurrency_scope { none, campaign, tenant, provider_account };

/// Text name of a concurrency scope.
std::string_view to_string(concurrency_scope s);

/// Takes one slot from each of campaign, tenant and provider account, or none at all; returns
/// the first full scope, or none when the call may start.
concurrency_scope acquire_call_slot(concurrency_limit& campaign, concurrency_limit& tenant,
                                    concurrency_limit& account);
/// Gives back the slots taken by acquire_call_slot.
void release_call_slot(concurrency_limit& campaign, concurrency_limit& tenant,
                       concurrency_limit& account);

/// A campaign's call-rate limits; nullopt means no limit.
struct call_rate_limits {
  std::optional<std::int32_t> per_hour;
  std::optional<std::int32_t> per_day;
};

/// Which rate limit refused a call.
enum class rate_limit_kind { none, per_hour, per_day };

/// Text name of a rate limit kind.
std::string_view to_string(rate_limit_kind k);

/// Whether a call may start now under the rate limits, and if not, when.
struct rate_admission {
  bool allowed = true;
  rate_limit_kind blocked_by = rate_limit_kind::none;
  /// `now` when allowed; else the first instant both limits admit a call.
  epoch_ms next_at = 0;
};

/// Calls per rolling hour and per local day of the campaign's zone, counted when a call is
/// started (so calls in flight count). A plain value owned by one actor.
class call_rate_limit {
 public:
  /// `campaign_zone` gives the local day (nullptr: UTC days); it must outlive this object.
  call_rate_limit(call_rate_limits limits, const time_zone_offsets* campaign_zone);
  /// Whether a call may start at `now`.
  rate_admission check(epoch_ms now) const;
  /// Counts a call started at `now` (times must not go backwards).
  void record(epoch_ms now);
  /// Calls started in (now - 1 h, now].
  std::int32_t calls_last_hour(epoch_ms now) const;
  /// Calls started on the local day of `now`.
  std::int32_t calls_today(epoch_ms now) const;

 private:
  std::int64_t local_day(epoch_ms t) const;
  epoch_ms start_of_next_day(epoch_ms t) const;

  call_rate_limits limits_;
  const time_zone_offsets* zone_;
  // The last per_hour start times, oldest at head_ once full.
  std::vector<epoch_ms> recent_;
  std::size_t head_ = 0;
  std::int64_t day_ = INT64_MIN;
  std::int32_t day_count_ = 0;
};

/// Calls per second for one caller number: a token bucket of `burst` tokens refilled at
/// `per_second`, kept in integer microseconds (as the equivalent "virtual scheduling"
/// algorithm) so that no rounding ever lets more calls through than the rate allows.
/// (core/token_bucket.hpp is the floating-point bucket of the API rate limiter.)
class caller_token_bucket {
 public:
  /// `per_second` > 0; `burst` >= 1 calls may start back to back. Throws
  /// std::invalid_argument otherwise (configuration error).
  explicit caller_token_bucket(double per_second, std::int32_t burst = 1);
  /// Takes a token at `now`; false when none is available.
  bool try_take(epoch_ms now);
  /// The first instant at or after `now` when a token is available.
  epoch_ms next_token_at(epoch_ms now) const;
  /// Changes the rate (> 0; else std::invalid_argument): the next token comes one new interval
  /// after the last one taken, so a change never lets a call through early.
  void set_rate(double per_second);
  /// The rate the bucket paces at.
  double per_second() const { return per_second_; }

 private:
  double per_second_;
  std::int32_t burst_;
  std::int64_t interval_us_;   // time to earn one token
  std::int64_t tolerance_us_;  // (burst - 1) intervals
  std::int64_t ready_us_;      // theoretical time of the next token once the bucket drains
};

/// Creates waiting to leave for the provider, each paced by its caller number's token bucket
/// (burst 1: at most `per_second` creates from a number in any one-second window). Creates of
/// one number leave in the order they came; among numbers, the oldest create that may leave
/// goes first. A plain value owned by one actor (the provider gateway).
class caller_dial_queue {
 public:
  /// Queues create `id` (increasing with arrival) from `caller` at `per_second` calls per
  /// second (> 0); a new rate for a number replaces its old one (caller_token_bucket::set_rate).
  void push(std::uint64_t id, const std::string& caller, double per_second);
  /// The oldest create whose number may dial at `now`, without taking it; nullopt when none.
  std::optional<std::uint64_t> ready(epoch_ms now) const;
  /// Takes the create ready(now) returned: it leaves the queue and uses its number's token.
  /// Returns its id (nullopt when none is ready).
  std::optional<std::uint64_t> take_ready(epoch_ms now);
  /// The first instant at or after `now` when a waiting create's number has a token; nullopt
  /// when nothing waits.
  std::optional<epoch_ms> next_ready_at(epoch_ms now) const;
  /// Empties the queue at once, paced or not (the creates cannot be sent at all); returns
  /// their ids in arrival order.
  std::vector<std::uint64_t> take_all();
  /// Creates waiting.
  std::size_t size() const { return size_; }
  /// True when no create waits.
  bool empty() const { return size_ == 0; }

 private:
  struct caller {
    caller_token_bucket bucket;
    std::deque<std::uint64_t> waiting;
  };
  std::map<std::string, caller>::const_iterator oldest_ready(epoch_ms now) const;

  std::map<std::string, caller> callers_;
  std::size_t size_ = 0;
};

}  // namespace dialer
