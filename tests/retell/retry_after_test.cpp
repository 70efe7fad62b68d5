#include "retell/retry_after.hpp"

#include <gtest/gtest.h>

namespace dialer::retell {
namespace {

// 1994-11-06T08:49:37Z, the example of RFC 9110.
constexpr epoch_ms rfc_example = 784'111'777'000;

TEST(retry_after, reads_delta_seconds) {
  auto r = parse_retry_after("7", std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->delay_ms, 7'000);
  EXPECT_FALSE(r->at_ms);
  EXPECT_EQ(r->wait_ms(123), 7'000);
  EXPECT_EQ(parse_retry_after(" 0\t", std::nullopt)->delay_ms, 0);
  EXPECT_EQ(parse_retry_after("120", "Sun, 06 Nov 1994 08:49:37 GMT")->delay_ms, 120'000)
      << "the Date header only matters for the date form";
  EXPECT_EQ(parse_retry_after("99999999999999999999999", std::nullopt)->delay_ms,
            365LL * 24 * 3600 * 1000)
      << "huge values saturate instead of overflowing";
}

TEST(retry_after, reads_the_three_http_date_forms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), rfc_example);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"), 1'835'481'599'000);
  EXPECT_EQ(parse_http_date("Wednesday, 15-Jul-26 14:30:00 GMT"), 1'784'125'800'000)
      << "two-digit years below 70 are in this century";
}

TEST(retry_after, an_http_date_is_a_wait_from_the_answers_date_or_an_instant) {
  auto with_date =
      parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", "Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(with_date);
  EXPECT_EQ(with_date->delay_ms, 30'000) << "both instants on the provider's clock";
  EXPECT_EQ(with_date->wait_ms(0), 30'000);
  auto without = parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", std::nullopt);
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->delay_ms);
  EXPECT_EQ(without->at_ms, rfc_example + 30'000);
  EXPECT_EQ(without->wait_ms(rfc_example), 30'000);
  EXPECT_EQ(without->wait_ms(rfc_example + 60'000), 0) << "a past instant: no wait";
  auto bad_date = parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", "yesterday");
  ASSERT_TRUE(bad_date);
  EXPECT_EQ(bad_date->at_ms, rfc_example + 30'000) << "an unreadable Date is ignored";
  auto past = parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(past->wait_ms(0), 0);
}

TEST(retry_after, garbage_is_no_retry_after) {
  for (const char* v : {"",
                        "   ",
                        "-1",
                        "1.5",
                        "5s",
                        "+5",
                        "soon",
                        "0x10",
                        "7 7",
                        "Sun, 06 Nov 1994 08:49:37 UTC",
                        "Sun, 6 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Nov 94 08:49:37 GMT",
                        "Sun, 31 Nov 1994 08:49:37 GMT",
                        "Sun, 29 Feb 2027 08:49:37 GMT",
                        "Sun, 06 Nov 1994 24:00:00 GMT",
                        "Sun, 06 Nov 1994 08:61:00 GMT",
                        "Fun, 06 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Now 1994 08:49:37 GMT",
                        "Sun, 06 Nov 1969 08:49:37 GMT",
                        "Sunday, 06-Nov-1994 08:49:37 GMT",
                        "Sun Nov 6 08:49:37 1994",
                        "Sun Nov  6 08:49:37 94",
                        "Sun, 06 Nov 1994 08:49:37 GMT extra"})
    EXPECT_FALSE(parse_retry_after(v, std::nullopt)) << v;
}

}  // namespace
}  // namespace dialer::retell
