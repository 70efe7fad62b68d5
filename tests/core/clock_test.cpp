#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(iso8601, round_trips) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
  auto t = parse_iso8601("2026-01-15T14:30:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1768487400000);
  EXPECT_EQ(format_iso8601(*t), "2026-01-15T14:30:00Z");
  EXPECT_EQ(parse_iso8601("2026-01-15T14:30:00.250Z"), 1768487400250);
  EXPECT_EQ(parse_iso8601("2024-02-29"), 1709164800000);
}

TEST(iso8601, rejects_malformed) {
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-01-15T25:00:00Z",
                          "2026-01-15T14:30:00", "2026-01-15T14:30:00+01:00", "x026-01-01"})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(manual_clock, moves_only_when_told) {
  manual_clock c(1000);
  EXPECT_EQ(c.now_ms(), 1000);
  c.advance(500);
  EXPECT_EQ(c.now_ms(), 1500);
}

}  // namespace
}  // namespace dialer
