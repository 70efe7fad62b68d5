#include "core/pacing.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "compliance_fixtures.hpp"

namespace dialer {
namespace {

using namespace dialer::testing;

TEST(concurrency_limit, takes_all_three_slots_or_none) {
  concurrency_limit campaign(2), tenant(3), account(10);
  EXPECT_EQ(acquire_call_slot(campaign, tenant, account), concurrency_scope::none);
  EXPECT_EQ(acquire_call_slot(campaign, tenant, account), concurrency_scope::none);
  EXPECT_EQ(acquire_call_slot(campaign, tenant, account), concurrency_scope::campaign);
  EXPECT_EQ(campaign.in_use(), 2);
  EXPECT_EQ(tenant.in_use(), 2);

  // Another campaign of the same tenant fills the tenant: nothing is taken from it.
  concurrency_limit other(5);
  EXPECT_EQ(acquire_call_slot(other, tenant, account), concurrency_scope::none);
  EXPECT_EQ(acquire_call_slot(other, tenant, account), concurrency_scope::tenant);
  EXPECT_EQ(other.in_use(), 1);
  EXPECT_EQ(account.in_use(), 3);

  concurrency_limit small_account(3);
  release_call_slot(campaign, tenant, account);
  EXPECT_EQ(acquire_call_slot(campaign, tenant, small_account), concurrency_scope::none);
  small_account.set_limit(1);
  release_call_slot(other, tenant, account);
  EXPECT_EQ(acquire_call_slot(other, tenant, small_account), concurrency_scope::provider_account);
  concurrency_limit none(0);
  EXPECT_FALSE(none.try_acquire());
  none.release();
  EXPECT_EQ(none.in_use(), 0);
}

TEST(call_rate_limit, counts_a_rolling_hour) {
  call_rate_limit limit({3, std::nullopt}, nullptr);
  const epoch_ms t0 = utc("2026-01-13T10:00:00Z");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limit.check(t0 + i * 10 * ms_per_minute).allowed);
    limit.record(t0 + i * 10 * ms_per_minute);
  }
  auto a = limit.check(t0 + 30 * ms_per_minute);
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.blocked_by, rate_limit_kind::per_hour);
  EXPECT_EQ(a.next_at, t0 + ms_per_hour);
  EXPECT_FALSE(limit.check(t0 + ms_per_hour - 1).allowed);
  EXPECT_TRUE(limit.check(t0 + ms_per_hour).allowed);
  EXPECT_EQ(limit.calls_last_hour(t0 + ms_per_hour), 2);
  limit.record(t0 + ms_per_hour);
  EXPECT_EQ(limit.check(t0 + ms_per_hour).next_at, t0 + 70 * ms_per_minute);
}

TEST(call_rate_limit, counts_local_days_of_the_campaign_zone) {
  const time_zone_offsets* ny = zones().find("America/New_York");
  call_rate_limit limit({std::nullopt, 2}, ny);
  limit.record(utc("2026-03-07T23:00:00Z"));          // Sat 18:00 EST
  limit.record(utc("2026-03-08T01:00:00Z"));          // Sat 20:00 EST
  auto a = limit.check(utc("2026-03-08T04:00:00Z"));  // Sat 23:00 EST
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.blocked_by, rate_limit_kind::per_day);
  EXPECT_EQ(a.next_at, utc("2026-03-08T05:00:00Z"));  // Sunday 00:00 EST
  EXPECT_TRUE(limit.check(utc("2026-03-08T05:00:00Z")).allowed);
  // Sunday is 23 hours long: Monday starts at 00:00 EDT = 04:00 UTC.
  limit.record(utc("2026-03-08T12:00:00Z"));
  limit.record(utc("2026-03-08T13:00:00Z"));
  EXPECT_EQ(limit.calls_today(utc("2026-03-09T03:59:00Z")), 2);
  EXPECT_EQ(limit.check(utc("2026-03-09T03:59:00Z")).next_at, utc("2026-03-09T04:00:00Z"));
  EXPECT_TRUE(limit.check(utc("2026-03-09T04:00:00Z")).allowed);
}

TEST(call_rate_limit, reports_the_later_of_both_limits) {
  call_rate_limit limit({1, 1}, nullptr);
  limit.record(utc("2026-01-13T23:30:00Z"));
  auto a = limit.check(utc("2026-01-13T23:40:00Z"));
  EXPECT_EQ(a.blocked_by, rate_limit_kind::per_day);
  EXPECT_EQ(a.next_at, utc("2026-01-14T00:30:00Z"));
  call_rate_limit closed({0, std::nullopt}, nullptr);
  EXPECT_FALSE(closed.check(0).allowed);
  EXPECT_EQ(closed.check(0).next_at, end_of_time);
  call_rate_limit open({std::nullopt, std::nullopt}, nullptr);
  for (int i = 0; i < 1000; ++i) open.record(i);
  EXPECT_TRUE(open.check(1000).allowed);
}

TEST(caller_token_bucket, paces_calls_per_second) {
  caller_token_bucket one_per_s(1.0);
  EXPECT_TRUE(one_per_s.try_take(10'000));
  EXPECT_FALSE(one_per_s.try_take(10'999));
  EXPECT_EQ(one_per_s.next_token_at(10'500), 11'000);
  EXPECT_TRUE(one_per_s.try_take(11'000));
  EXPECT_EQ(one_per_s.next_token_at(20'000), 20'000);  // idle time refills

  caller_token_bucket burst(2.0, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(burst.try_take(0)) << i;
  EXPECT_FALSE(burst.try_take(0));
  EXPECT_EQ(burst.next_token_at(0), 500);
  EXPECT_TRUE(burst.try_take(500));
  EXPECT_FALSE(burst.try_take(999));
  EXPECT_TRUE(burst.try_take(1000));

  EXPECT_THROW(caller_token_bucket(0.0), std::invalid_argument);
  EXPECT_THROW(caller_token_bucket(1.0, 0), std::invalid_argument);
}

TEST(caller_token_bucket, never_exceeds_rate_plus_burst_in_any_window) {
  std::mt19937_64 rng(42);
  for (double rate : {0.5, 1.0, 3.0, 7.5}) {
    for (int burst : {1, 2, 5}) {
      caller_token_bucket bucket(rate, burst);
      std::vector<epoch_ms> taken;
      epoch_ms t = 0;
      for (int i = 0; i < 20'000; ++i) {
        t += std::uniform_int_distribution<epoch_ms>(0, 150)(rng);
        if (bucket.try_take(t)) taken.push_back(t);
      }
      ASSERT_GT(taken.size(), 10u);
      // In any window [s, s + L), at most burst + L * rate / 1000 calls.
      for (epoch_ms window : {1000, 2500, 10'000}) {
        std::size_t j = 0;
        for (std::size_t i = 0; i < taken.size(); ++i) {
          while (taken[i] - taken[j] >= window) ++j;
          const double allowed = burst + static_cast<double>(window) * rate / 1000.0;
          ASSERT_LE(static_cast<double>(i - j + 1), allowed)
              << "rate " << rate << " burst " << burst << " window " << window;
        }
      }
    }
  }
}

TEST(caller_token_bucket, a_new_rate_counts_from_the_last_token) {
  caller_token_bucket b(1.0);
  EXPECT_TRUE(b.try_take(10'000));
  b.set_rate(4.0);
  EXPECT_EQ(b.per_second(), 4.0);
  EXPECT_EQ(b.next_token_at(10'000), 10'250);
  EXPECT_TRUE(b.try_take(10'250));
  b.set_rate(0.5);
  EXPECT_EQ(b.next_token_at(10'300), 12'250) << "a slower rate never lets a call through early";
  caller_token_bucket fresh(2.0);
  fresh.set_rate(1.0);
  EXPECT_TRUE(fresh.try_take(0)) << "a bucket never used stays full";
  EXPECT_THROW(fresh.set_rate(0.0), std::invalid_argument);
}

TEST(caller_dial_queue, paces_each_number_and_keeps_arrival_order) {
  caller_dial_queue q;
  EXPECT_FALSE(q.ready(0));
  EXPECT_FALSE(q.next_ready_at(0));
  // Number A at 2/s with three creates, number B at 1/s with two.
  q.push(1, "+1A", 2.0);
  q.push(2, "+1A", 2.0);
  q.push(3, "+1B", 1.0);
  q.push(4, "+1A", 2.0);
  q.push(5, "+1B", 1.0);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.ready(1'000), 1u);
  EXPECT_EQ(q.ready(1'000), 1u) << "ready() takes nothing";
  EXPECT_EQ(q.take_ready(1'000), 1u);
  EXPECT_EQ(q.take_ready(1'000), 3u) << "A waits for its token; B's oldest goes";
  EXPECT_FALSE(q.take_ready(1'000));
  EXPECT_EQ(q.next_ready_at(1'000), 1'500);
  EXPECT_FALSE(q.take_ready(1'499));
  EXPECT_EQ(q.take_ready(1'500), 2u);
  EXPECT_EQ(q.next_ready_at(1'600), 2'000);
  // At 2 000 both numbers have a token: the older create (A's id 4) goes first.
  EXPECT_EQ(q.take_ready(2'000), 4u);
  EXPECT_EQ(q.take_ready(2'000), 5u);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.next_ready_at(2'000));
  // The numbers' buckets are remembered while they are not full again.
  q.push(6, "+1A", 2.0);
  EXPECT_FALSE(q.take_ready(2'100));
  EXPECT_EQ(q.take_ready(2'500), 6u);
  // A new rate for a number applies from its last token.
  q.push(7, "+1A", 10.0);
  EXPECT_EQ(q.next_ready_at(2'500), 2'600);
  q.push(8, "+1B", 1.0);
  EXPECT_EQ(q.take_all(), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_TRUE(q.empty());
}

TEST(caller_dial_queue, never_lets_a_number_exceed_its_rate_in_any_second) {
  std::mt19937_64 rng(7);
  caller_dial_queue q;
  const std::map<std::string, double> rates = {{"+1A", 2.0}, {"+1B", 5.0}, {"+1C", 1.0}};
  std::map<std::string, std::vector<epoch_ms>> sent;
  std::map<std::uint64_t, std::string> caller_of;
  std::uint64_t next_id = 0;
  epoch_ms t = 0;
  for (int step = 0; step < 30'000; ++step) {
    t += std::uniform_int_distribution<epoch_ms>(0, 40)(rng);
    auto it = std::next(rates.begin(), std::uniform_int_distribution<int>(0, 2)(rng));
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
      caller_of[++next_id] = it->first;
      q.push(next_id, it->first, it->second);
    }
    while (auto id = q.take_ready(t)) sent[caller_of.at(*id)].push_back(t);
  }
  for (const auto& [number, times] : sent) {
    const auto limit = static_cast<std::size_t>(rates.at(number));
    ASSERT_GT(times.size(), 100u) << number;
    // In any window [s, s + 1000 ms), at most `rate` creates of one number.
    for (std::size_t i = limit; i < times.size(); ++i)
      ASSERT_GE(times[i] - times[i - limit], 1000) << number << " at " << times[i];
  }
}

}  // namespace
}  // namespace dialer
