#include "retell_sim/call_script.hpp"

#include <gtest/gtest.h>

namespace dialer::sim {
namespace {

TEST(call_script, answered_calls_connect_and_vary_around_the_mean) {
  sim_settings s;
  s.mean_call_seconds = 100;
  s.ring_seconds = 20;
  random_source random(1);
  double sum = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    call_plan p = plan_call(call_outcome::answered, s, random);
    EXPECT_TRUE(p.connects);
    EXPECT_EQ(p.end_status, "ended");
    EXPECT_TRUE(p.disconnection_reason == "user_hangup" || p.disconnection_reason == "agent_hangup")
        << p.disconnection_reason;
    EXPECT_GE(p.talk_seconds, 25);
    EXPECT_LE(p.talk_seconds, 175);
    EXPECT_GT(p.ring_seconds, 0);
    EXPECT_LE(p.ring_seconds, 20);
    EXPECT_FALSE(p.transcript.empty());
    EXPECT_FALSE(p.analysis.in_voicemail);
    sum += p.talk_seconds;
  }
  EXPECT_NEAR(sum / n, 100, 5);
}

TEST(call_script, very_long_calls_hit_the_one_hour_cap) {
  sim_settings s;
  s.mean_call_seconds = 10000;
  random_source random(2);
  call_plan p = plan_call(call_outcome::answered, s, random);
  EXPECT_EQ(p.talk_seconds, 3600);
  EXPECT_EQ(p.disconnection_reason, "max_duration_reached");
}

TEST(call_script, voicemail_ends_as_voicemail_reached) {
  sim_settings s;
  random_source random(3);
  call_plan p = plan_call(call_outcome::voicemail, s, random);
  EXPECT_TRUE(p.connects);
  EXPECT_EQ(p.end_status, "ended");
  EXPECT_EQ(p.disconnection_reason, "voicemail_reached");
  EXPECT_TRUE(p.analysis.in_voicemail);
  EXPECT_FALSE(p.analysis.call_successful);
}

TEST(call_script, unconnected_outcomes) {
  sim_settings s;
  s.ring_seconds = 30;
  random_source random(4);
  struct expectation {
    call_outcome outcome;
    const char* reason;
  };
  for (auto e : {expectation{call_outcome::no_answer, "dial_no_answer"},
                 expectation{call_outcome::busy, "dial_busy"},
                 expectation{call_outcome::failed, "dial_failed"}}) {
    call_plan p = plan_call(e.outcome, s, random);
    EXPECT_FALSE(p.connects);
    EXPECT_EQ(p.end_status, "not_connected");
    EXPECT_EQ(p.disconnection_reason, e.reason);
    EXPECT_EQ(p.talk_seconds, 0);
    EXPECT_TRUE(p.transcript.empty());
    EXPECT_FALSE(p.analysis.call_successful);
    EXPECT_EQ(p.analysis.user_sentiment, "Unknown");
  }
  EXPECT_EQ(plan_call(call_outcome::no_answer, s, random).ring_seconds, 30);
}

TEST(call_script, random_plans_follow_the_mix) {
  sim_settings s;
  s.mix = *parse_outcome_mix("busy=1").mix;
  random_source random(5);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(plan_random_call(s, random).outcome, call_outcome::busy);
}

TEST(call_script, cost_is_proportional_to_length) {
  call_cost zero = cost_of_call(0);
  call_cost one = cost_of_call(60);
  call_cost two = cost_of_call(120);
  EXPECT_EQ(zero.combined_cost, 0);
  EXPECT_GT(one.combined_cost, 0);
  EXPECT_NEAR(two.combined_cost, 2 * one.combined_cost, 0.001);
  EXPECT_EQ(two.total_duration_seconds, 120);
  double sum = 0;
  for (const auto& p : two.product_costs) sum += p.cost;
  EXPECT_NEAR(sum, two.combined_cost, 0.001);
  // 9.8 cents a minute in all: platform 7, voice 0.7, LLM 0.6, telephony 1.5.
  EXPECT_NEAR(one.combined_cost, 9.8, 0.01);
}

TEST(call_script, transcript_text_uses_agent_and_user_prefixes) {
  std::vector<transcript_line> t = {{"agent", "Hello"}, {"user", "Hi"}, {"agent", "Bye"}};
  EXPECT_EQ(transcript_text(t, 99), "Agent: Hello\nUser: Hi\nAgent: Bye");
  EXPECT_EQ(transcript_text(t, 1), "Agent: Hello");
  EXPECT_EQ(transcript_text(t, 0), "");
}

}  // namespace
}  // namespace dialer::sim
