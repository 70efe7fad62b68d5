#include "core/bounded_outbox.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(bounded_outbox, refuses_a_message_past_the_message_limit) {
  bounded_outbox q(outbox_limits{3, 1 << 20});
  EXPECT_TRUE(q.offer("a"));
  EXPECT_TRUE(q.offer("b"));
  EXPECT_TRUE(q.offer("c"));
  EXPECT_FALSE(q.offer("d"));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.take(), "a");
  EXPECT_TRUE(q.offer("d"));  // room again once the client read one
  EXPECT_EQ(q.take(), "b");
  EXPECT_EQ(q.take(), "c");
  EXPECT_EQ(q.take(), "d");
  EXPECT_FALSE(q.take());
}

TEST(bounded_outbox, refuses_a_message_past_the_byte_limit) {
  bounded_outbox q(outbox_limits{100, 10});
  EXPECT_TRUE(q.offer("12345"));
  EXPECT_TRUE(q.offer("1234"));
  EXPECT_EQ(q.bytes(), 9u);
  EXPECT_FALSE(q.offer("12"));
  EXPECT_EQ(q.bytes(), 9u);
  EXPECT_TRUE(q.offer("1"));
  EXPECT_FALSE(q.offer(std::string(11, 'x')));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_FALSE(q.offer(std::string(11, 'x')));  // larger than the whole queue: never fits
}

TEST(bounded_outbox, a_reader_that_never_reads_never_grows_it) {
  bounded_outbox q(outbox_limits{64, 1 << 20});
  std::size_t refused = 0;
  for (int i = 0; i < 100'000; ++i)
    if (!q.offer(std::string(100, 'e'))) ++refused;
  EXPECT_EQ(q.size(), 64u);
  EXPECT_EQ(q.bytes(), 6400u);
  EXPECT_EQ(refused, 100'000u - 64u);
}

}  // namespace
}  // namespace dialer
