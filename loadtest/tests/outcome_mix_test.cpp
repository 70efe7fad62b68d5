#include "retell_sim/outcome_mix.hpp"

#include <gtest/gtest.h>

#include <array>

#include "retell_sim/random_source.hpp"

namespace dialer::sim {
namespace {

TEST(outcome_mix, default_matches_the_documented_weights) {
  outcome_mix mix;
  EXPECT_EQ(mix.weight(call_outcome::answered), 60);
  EXPECT_EQ(mix.weight(call_outcome::no_answer), 15);
  EXPECT_EQ(mix.weight(call_outcome::busy), 10);
  EXPECT_EQ(mix.weight(call_outcome::voicemail), 10);
  EXPECT_EQ(mix.weight(call_outcome::failed), 5);
  EXPECT_EQ(mix.total(), 100);
}

TEST(outcome_mix, parses_weights_and_zeroes_the_rest) {
  auto parsed = parse_outcome_mix("answered=3, busy = 1.5");
  ASSERT_TRUE(parsed.mix) << parsed.error;
  EXPECT_EQ(parsed.mix->weight(call_outcome::answered), 3);
  EXPECT_EQ(parsed.mix->weight(call_outcome::busy), 1.5);
  EXPECT_EQ(parsed.mix->weight(call_outcome::voicemail), 0);
  EXPECT_EQ(parsed.mix->total(), 4.5);
}

TEST(outcome_mix, refuses_bad_text) {
  for (const char* bad :
       {"", "answered", "answered=x", "answered=-1", "ringing=5", "answered=1,answered=2",
        "answered=0,busy=0", "answered=1,", "answered=1e999"}) {
    auto parsed = parse_outcome_mix(bad);
    EXPECT_FALSE(parsed.mix) << bad;
    EXPECT_FALSE(parsed.error.empty()) << bad;
  }
}

TEST(outcome_mix, pick_follows_cumulative_weights) {
  outcome_mix mix = *parse_outcome_mix("answered=1,busy=1,failed=2").mix;
  EXPECT_EQ(mix.pick(0.0), call_outcome::answered);
  EXPECT_EQ(mix.pick(0.24), call_outcome::answered);
  EXPECT_EQ(mix.pick(0.26), call_outcome::busy);
  EXPECT_EQ(mix.pick(0.51), call_outcome::failed);
  EXPECT_EQ(mix.pick(0.999999999), call_outcome::failed);
}

TEST(outcome_mix, a_single_outcome_is_always_picked) {
  outcome_mix mix = *parse_outcome_mix("voicemail=7").mix;
  random_source random(3);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(mix.pick(random.unit()), call_outcome::voicemail);
}

TEST(outcome_mix, sampling_with_a_seed_approaches_the_weights) {
  outcome_mix mix;
  random_source random(42);
  std::array<int, outcome_count> counts{};
  const int n = 100000;
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(mix.pick(random.unit()))];
  EXPECT_NEAR(counts[0] / double(n), 0.60, 0.01);
  EXPECT_NEAR(counts[1] / double(n), 0.15, 0.01);
  EXPECT_NEAR(counts[2] / double(n), 0.10, 0.01);
  EXPECT_NEAR(counts[3] / double(n), 0.10, 0.01);
  EXPECT_NEAR(counts[4] / double(n), 0.05, 0.01);
}

TEST(outcome_mix, same_seed_same_sequence) {
  random_source a(7), b(7), c(8);
  bool all_same_as_c = true;
  for (int i = 0; i < 100; ++i) {
    double x = a.unit();
    EXPECT_EQ(x, b.unit());
    all_same_as_c = all_same_as_c && x == c.unit();
  }
  EXPECT_FALSE(all_same_as_c);
}

TEST(outcome_mix, text_round_trips) {
  outcome_mix mix = *parse_outcome_mix("answered=2,failed=1").mix;
  auto again = parse_outcome_mix(mix.to_text());
  ASSERT_TRUE(again.mix) << again.error;
  EXPECT_EQ(again.mix->to_text(), mix.to_text());
}

TEST(outcome_mix, names_round_trip) {
  for (std::size_t i = 0; i < outcome_count; ++i) {
    auto o = static_cast<call_outcome>(i);
    EXPECT_EQ(outcome_from_string(to_string(o)), o);
  }
  EXPECT_FALSE(outcome_from_string("ringing"));
}

}  // namespace
}  // namespace dialer::sim
