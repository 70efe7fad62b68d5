#include "core/stats_coalescer.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

live_event stats(id_t campaign, std::int64_t terminal, id_t tenant = 1) {
  live_event ev;
  ev.type = live_event_type::campaign_stats;
  ev.tenant_id = tenant;
  ev.campaign_id = campaign;
  ev.data = {{"leads_terminal", terminal}};
  return ev;
}

std::int64_t terminal_of(const live_event& ev) {
  return std::get<std::int64_t>(ev.data.front().value);
}

TEST(stats_coalescer, the_first_snapshot_goes_at_once_later_ones_wait_and_only_the_latest_goes) {
  stats_coalescer c(1000);
  auto first = c.offer(stats(5, 1), 10'000);
  ASSERT_TRUE(first);
  EXPECT_EQ(terminal_of(*first), 1);
  EXPECT_FALSE(c.offer(stats(5, 2), 10'100));
  EXPECT_FALSE(c.offer(stats(5, 3), 10'500));
  EXPECT_EQ(c.waiting(), 1u);
  EXPECT_EQ(c.next_due(), 11'000);
  EXPECT_TRUE(c.take_due(10'999).empty());
  auto due = c.take_due(11'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(terminal_of(due.front()), 3);
  EXPECT_EQ(c.waiting(), 0u);
  EXPECT_FALSE(c.next_due());
  // Sent at 11'000: the next one waits until 12'000.
  EXPECT_FALSE(c.offer(stats(5, 4), 11'500));
  EXPECT_EQ(c.next_due(), 12'000);
}

TEST(stats_coalescer, never_more_than_one_per_interval_per_campaign) {
  stats_coalescer c(1000);
  std::vector<epoch_ms> sent;
  // A snapshot every 50 ms for 10 s, flushed whenever something is due.
  for (epoch_ms t = 0; t <= 10'000; t += 50) {
    if (c.offer(stats(7, t), t)) sent.push_back(t);
    if (auto due = c.next_due(); due && *due <= t)
      for (auto& ev : c.take_due(t)) {
        (void)ev;
        sent.push_back(t);
      }
  }
  ASSERT_GE(sent.size(), 10u);
  for (std::size_t i = 1; i < sent.size(); ++i) EXPECT_GE(sent[i] - sent[i - 1], 1000);
}

TEST(stats_coalescer, campaigns_and_tenants_are_independent) {
  stats_coalescer c(1000);
  EXPECT_TRUE(c.offer(stats(5, 1), 0));
  EXPECT_TRUE(c.offer(stats(6, 1), 10));
  EXPECT_TRUE(c.offer(stats(5, 1, 2), 20));  // same campaign id, other tenant
  EXPECT_FALSE(c.offer(stats(5, 2), 30));
  EXPECT_FALSE(c.offer(stats(6, 2), 40));
  EXPECT_EQ(c.waiting(), 2u);
  EXPECT_EQ(c.next_due(), 1000);
  EXPECT_EQ(c.take_due(1000).size(), 1u);  // campaign 5 (sent at 0); campaign 6 waits till 1010
  EXPECT_EQ(c.take_due(1010).size(), 1u);
}

}  // namespace
}  // namespace dialer
