#include "core/provider_retry.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(provider_retry, retries_only_unclear_or_throttled_answers) {
  for (unsigned s : {0u, 408u, 409u, 429u, 500u, 502u, 503u, 599u})
    EXPECT_TRUE(is_retryable_provider_status(s)) << s;
  for (unsigned s : {200u, 201u, 400u, 401u, 402u, 404u, 422u, 600u})
    EXPECT_FALSE(is_retryable_provider_status(s)) << s;
}

TEST(provider_retry, follows_retry_after_within_the_cap) {
  const provider_backoff b{500, 30'000, 60'000};
  EXPECT_EQ(provider_retry_wait(7'000, 1, 0.9, b), 7'000);
  EXPECT_EQ(provider_retry_wait(7'000, 6, 0.1, b), 7'000) << "the header wins over the count";
  EXPECT_EQ(provider_retry_wait(0, 1, 0.5, b), 0);
  EXPECT_EQ(provider_retry_wait(-3'000, 1, 0.5, b), 0) << "a date in the past: no wait";
  EXPECT_EQ(provider_retry_wait(86'400'000, 1, 0.5, b), 60'000) << "capped";
}

TEST(provider_retry, backs_off_exponentially_with_jitter_without_a_header) {
  const provider_backoff b{500, 30'000, 60'000};
  // Each wait lies in [full / 2, full), full doubling from 500 ms up to 30 s.
  EXPECT_EQ(provider_retry_wait(std::nullopt, 1, 0.0, b), 250);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 1, 0.999, b), 499);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 2, 0.0, b), 500);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 3, 0.5, b), 1'500);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 4, 0.0, b), 2'000);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 40, 0.0, b), 15'000);
  EXPECT_LT(provider_retry_wait(std::nullopt, 40, 0.999, b), 30'000);
  EXPECT_EQ(provider_retry_wait(std::nullopt, 0, 0.0, b), 250) << "0 reads as the first failure";
  EXPECT_EQ(provider_retry_wait(std::nullopt, 2, 7.0, b), 1'000) << "jitter clamped to [0, 1]";
}

}  // namespace
}  // namespace dialer
