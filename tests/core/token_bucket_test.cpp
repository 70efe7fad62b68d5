#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(token_bucket, a_full_bucket_admits_a_burst_then_refuses) {
  token_bucket b(10, 5, 1000);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.try_take(1000)) << i;
  EXPECT_FALSE(b.try_take(1000));
  EXPECT_EQ(b.wait_ms(1000), 100);
}

TEST(token_bucket, refills_at_the_rate_and_never_above_the_burst) {
  token_bucket b(10, 5, 0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(99));
  EXPECT_EQ(b.wait_ms(99), 1);
  EXPECT_TRUE(b.try_take(100));
  EXPECT_FALSE(b.try_take(100));
  EXPECT_DOUBLE_EQ(b.available(60'000), 5.0);
  int admitted = 0;
  while (b.try_take(60'000)) ++admitted;
  EXPECT_EQ(admitted, 5);
}

TEST(token_bucket, admits_the_rate_over_a_long_run) {
  token_bucket b(50, 100, 0);
  int admitted = 0;
  // One request every millisecond for ten seconds: the burst plus 50 per second.
  for (epoch_ms t = 0; t < 10'000; ++t) admitted += b.try_take(t) ? 1 : 0;
  EXPECT_GE(admitted, 100 + 499);
  EXPECT_LE(admitted, 100 + 500);
}

TEST(token_bucket, a_refused_request_takes_nothing) {
  token_bucket b(1, 1, 0);
  EXPECT_TRUE(b.try_take(0));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(b.try_take(500));
  EXPECT_TRUE(b.try_take(1000));
}

TEST(token_bucket, a_clock_stepping_back_refills_nothing) {
  token_bucket b(10, 2, 10'000);
  EXPECT_TRUE(b.try_take(10'000));
  EXPECT_TRUE(b.try_take(10'000));
  EXPECT_FALSE(b.try_take(5'000));
  EXPECT_FALSE(b.try_take(10'000));
  EXPECT_TRUE(b.try_take(10'100));
}

TEST(token_bucket, wait_is_zero_while_tokens_remain) {
  token_bucket b(2, 3, 0);
  EXPECT_EQ(b.wait_ms(0), 0);
  b.try_take(0);
  EXPECT_EQ(b.wait_ms(0), 0);
}

}  // namespace
}  // namespace dialer
