#include "core/lead_outcome.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

campaign_plan plan_with(int max_attempts) {
  campaign_plan p;
  p.max_attempts = max_attempts;
  p.retry = retry_policy{60, 120, 180, 240};
  return p;
}

TEST(lead_outcome, answered_closes_the_lead) {
  auto s = next_step_after(disposition::answered, 1, plan_with(3), 1000);
  EXPECT_EQ(s.status, lead_status::completed);
  EXPECT_EQ(s.terminal_reason, "answered");
}

TEST(lead_outcome, each_disposition_waits_its_own_delay) {
  const epoch_ms now = 1'000'000;
  EXPECT_EQ(next_step_after(disposition::no_answer, 1, plan_with(3), now).next_attempt_at,
            now + 60'000);
  EXPECT_EQ(next_step_after(disposition::busy, 1, plan_with(3), now).next_attempt_at, now + 120'000);
  EXPECT_EQ(next_step_after(disposition::voicemail, 1, plan_with(3), now).next_attempt_at,
            now + 180'000);
  EXPECT_EQ(next_step_after(disposition::failed, 1, plan_with(3), now).next_attempt_at,
            now + 240'000);
}

TEST(lead_outcome, last_attempt_fails_the_lead_with_reason) {
  auto s = next_step_after(disposition::busy, 2, plan_with(2), 0);
  EXPECT_EQ(s.status, lead_status::failed);
  EXPECT_EQ(s.terminal_reason, "max_attempts_reached:busy");
}

TEST(lead_outcome, provider_refusal_does_not_use_an_attempt) {
  auto s = next_step_after(disposition::provider_refused, 1, plan_with(1), 0);
  EXPECT_EQ(s.status, lead_status::pending);
  EXPECT_FALSE(s.counts_as_attempt);
  EXPECT_GT(s.next_attempt_at, 0);
}

}  // namespace
}  // namespace dialer
