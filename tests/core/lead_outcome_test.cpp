#include "core/lead_outcome.hpp"

#include <gtest/gtest.h>

#include "core/compliance_decision.hpp"

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
  EXPECT_EQ(next_step_after(disposition::busy, 1, plan_with(3), now).next_attempt_at,
            now + 120'000);
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

namespace dialer {
namespace {

TEST(lead_outcome, voicemail_on_the_last_attempt_fails_the_lead) {
  auto s = next_step_after(disposition::voicemail, 3, plan_with(3), 0);
  EXPECT_EQ(s.status, lead_status::failed);
  EXPECT_TRUE(s.counts_as_attempt);
  EXPECT_EQ(s.terminal_reason, "max_attempts_reached:voicemail");
  auto again = next_step_after(disposition::voicemail, 2, plan_with(3), 0);
  EXPECT_EQ(again.status, lead_status::pending);
  EXPECT_TRUE(again.terminal_reason.empty());
}

TEST(lead_outcome, provider_refusals_back_off_without_counting) {
  EXPECT_EQ(refusal_delay(1), 5'000);
  EXPECT_EQ(refusal_delay(2), 10'000);
  EXPECT_EQ(refusal_delay(3), 20'000);
  EXPECT_EQ(refusal_delay(50), 300'000);
  EXPECT_EQ(refusal_delay(0), 5'000);
  const refusal_backoff quick{1'000, 3'000};
  EXPECT_EQ(refusal_delay(3, quick), 3'000);
  // Even on the last attempt a refusal neither counts nor closes the lead.
  auto s = next_step_after(disposition::provider_refused, 3, plan_with(3), 1'000, 4);
  EXPECT_EQ(s.status, lead_status::pending);
  EXPECT_FALSE(s.counts_as_attempt);
  EXPECT_EQ(s.next_attempt_at, 1'000 + 40'000);
}

TEST(lead_outcome, a_refusal_waits_as_long_as_the_gateway_says) {
  auto s = next_step_after_refusal(1'000, 7'000);
  EXPECT_EQ(s.status, lead_status::pending);
  EXPECT_FALSE(s.counts_as_attempt);
  EXPECT_EQ(s.next_attempt_at, 8'000);
  EXPECT_EQ(next_step_after_refusal(1'000, -5).next_attempt_at, 1'000);
}

TEST(lead_outcome, recognises_provider_refusals) {
  EXPECT_TRUE(is_provider_refusal(429, ""));
  EXPECT_TRUE(is_provider_refusal(400, "concurrency_limit_reached"));
  EXPECT_FALSE(is_provider_refusal(500, ""));
  EXPECT_FALSE(is_provider_refusal(400, "invalid_number"));
  EXPECT_FALSE(is_provider_refusal(201, ""));
}

TEST(lead_outcome, a_compliance_block_waits_or_closes_with_its_reason) {
  compliance_decision later;
  later.reason = block_reason::outside_calling_hours;
  later.next_allowed_at = 90'000;
  auto wait = next_step_when_blocked(later, 1'000);
  EXPECT_EQ(wait.status, lead_status::pending);
  EXPECT_FALSE(wait.counts_as_attempt);
  EXPECT_EQ(wait.next_attempt_at, 90'000);
  EXPECT_TRUE(wait.terminal_reason.empty());

  compliance_decision dnc;
  dnc.reason = block_reason::dnc;
  auto closed = next_step_when_blocked(dnc, 1'000);
  EXPECT_EQ(closed.status, lead_status::cancelled);
  EXPECT_FALSE(closed.counts_as_attempt);
  EXPECT_EQ(closed.terminal_reason, "compliance:dnc");

  compliance_decision ok;
  ok.allowed = true;
  ok.next_allowed_at = 1'000;
  EXPECT_EQ(next_step_when_blocked(ok, 1'000).status, lead_status::pending);
}

}  // namespace
}  // namespace dialer

namespace dialer {
namespace {

compliance_decision allowed_at(epoch_ms now) {
  compliance_decision d;
  d.allowed = true;
  d.next_allowed_at = now;
  return d;
}

TEST(standby_step, a_fresh_allowed_standby_fires) {
  auto s = standby_step_at(allowed_at(10'000), 9'000, 10'000, 5'000);
  EXPECT_TRUE(s.fire);
  EXPECT_TRUE(s.reason.empty());
}

TEST(standby_step, a_standby_whose_window_closed_waits_for_it_without_counting) {
  compliance_decision closed;
  closed.allowed = false;
  closed.reason = block_reason::outside_calling_hours;
  closed.next_allowed_at = 50'000;
  auto s = standby_step_at(closed, 9'000, 10'000, 5'000);
  EXPECT_FALSE(s.fire);
  EXPECT_EQ(s.reason, "withdrawn: outside_calling_hours");
  EXPECT_EQ(s.next.status, lead_status::pending);
  EXPECT_EQ(s.next.next_attempt_at, 50'000);
  EXPECT_FALSE(s.next.counts_as_attempt);
}

TEST(standby_step, a_standby_blocked_for_good_closes_its_lead) {
  compliance_decision past_end;
  past_end.allowed = false;
  past_end.reason = block_reason::campaign_ended;
  auto s = standby_step_at(past_end, 9'000, 10'000, 5'000);
  EXPECT_FALSE(s.fire);
  EXPECT_EQ(s.next.status, lead_status::cancelled);
  EXPECT_EQ(s.next.terminal_reason, "compliance:campaign_ended");
}

TEST(standby_step, a_stale_standby_is_withdrawn_and_due_again_at_once) {
  auto s = standby_step_at(allowed_at(20'000), 9'000, 20'000, 5'000);
  EXPECT_FALSE(s.fire);
  EXPECT_EQ(s.reason, "withdrawn: stale");
  EXPECT_EQ(s.next.status, lead_status::pending);
  EXPECT_EQ(s.next.next_attempt_at, 20'000);
  EXPECT_FALSE(s.next.counts_as_attempt);
  EXPECT_TRUE(standby_step_at(allowed_at(14'000), 9'000, 14'000, 5'000).fire)
      << "exactly max_age old still fires";
}

}  // namespace
}  // namespace dialer

namespace dialer {
namespace {

TEST(standby_step, a_campaign_keeps_no_more_standbys_than_its_lines_free_in_time) {
  EXPECT_EQ(standby_target(4, 10, 10'000, 0), 4) << "interval unknown: as configured";
  EXPECT_EQ(standby_target(4, 2, 10'000, 0), 2) << "never more than the cap";
  EXPECT_EQ(standby_target(0, 10, 10'000, 100), 0) << "configured off";
  EXPECT_EQ(standby_target(4, 10, 10'000, 500), 4) << "20 lines free in 10 s: all four";
  EXPECT_EQ(standby_target(4, 10, 10'000, 4'000), 2) << "2.5 lines free in 10 s: two";
  EXPECT_EQ(standby_target(4, 10, 10'000, 12'000), 0) << "a line every 12 s: each would be stale";
}

TEST(standby_step, the_interval_between_freed_lines_is_a_moving_mean) {
  EXPECT_EQ(next_free_interval(0, 1'000), 1'000) << "the first interval is the mean";
  EXPECT_DOUBLE_EQ(next_free_interval(1'000, 2'000), 1'200);
  EXPECT_DOUBLE_EQ(next_free_interval(1'000, -5), 800) << "a clock step back counts as 0";
}

}  // namespace
}  // namespace dialer
