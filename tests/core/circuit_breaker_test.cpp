#include "core/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

using st = circuit_breaker::state;

TEST(circuit_breaker, opens_after_consecutive_failures_only) {
  circuit_breaker b(3, 1000, 8000);
  b.on_failure(0);
  b.on_failure(0);
  b.on_success();
  b.on_failure(0);
  b.on_failure(0);
  EXPECT_EQ(b.current(0), st::closed) << "a success resets the count";
  EXPECT_TRUE(b.allow(0));
  b.on_failure(10);
  EXPECT_EQ(b.current(10), st::open);
  EXPECT_FALSE(b.allow(500));
}

TEST(circuit_breaker, lets_one_probe_through_then_closes_on_success) {
  circuit_breaker b(1, 1000, 8000);
  b.on_failure(0);
  EXPECT_FALSE(b.allow(999));
  EXPECT_EQ(b.current(1000), st::half_open);
  EXPECT_TRUE(b.allow(1000));
  EXPECT_FALSE(b.allow(1001)) << "one probe at a time";
  b.on_success();
  EXPECT_EQ(b.current(1001), st::closed);
  EXPECT_TRUE(b.allow(1001));
}

TEST(circuit_breaker, a_failed_probe_doubles_the_wait_up_to_the_maximum) {
  circuit_breaker b(1, 1000, 3000);
  b.on_failure(0);
  ASSERT_TRUE(b.allow(1000));
  b.on_failure(1000);
  EXPECT_EQ(b.reopens_at(), 3000);
  EXPECT_FALSE(b.allow(2999));
  ASSERT_TRUE(b.allow(3000));
  b.on_failure(3000);
  EXPECT_EQ(b.reopens_at(), 6000) << "capped at max_open_ms";
  ASSERT_TRUE(b.allow(6000));
  b.on_success();
  b.on_failure(7000);
  EXPECT_EQ(b.reopens_at(), 8000) << "back to the base wait after closing";
}

TEST(circuit_breaker, would_allow_answers_without_taking_the_probe) {
  circuit_breaker b(1, 1000, 8000);
  EXPECT_TRUE(b.would_allow(0));
  b.on_failure(0);
  EXPECT_FALSE(b.would_allow(999));
  EXPECT_TRUE(b.would_allow(1000));
  EXPECT_TRUE(b.would_allow(1000)) << "asking twice lets nothing through";
  EXPECT_TRUE(b.allow(1000));
  EXPECT_FALSE(b.would_allow(1001)) << "the probe is in flight";
}

}  // namespace
}  // namespace dialer
