#include "retell_sim/settings_codec.hpp"

#include <gtest/gtest.h>

namespace dialer::sim {
namespace {

TEST(settings_codec, applies_known_keys) {
  sim_settings base;
  auto u = apply_settings_json(base, R"({"fail_429_ratio": 0.25, "webhook_url":
      "http://127.0.0.1:1234/h", "concurrency_limit": 3, "time_scale": 100,
      "mix": {"answered": 1, "busy": 1}, "concurrency_mode": "429", "slow_ms": 5,
      "transcript_updated": true, "drop_call_started_ratio": 1})");
  ASSERT_TRUE(u.settings) << u.error;
  EXPECT_EQ(u.settings->fail_429_ratio, 0.25);
  EXPECT_EQ(u.settings->webhook_url, "http://127.0.0.1:1234/h");
  EXPECT_EQ(u.settings->concurrency_limit, 3);
  EXPECT_EQ(u.settings->time_scale, 100);
  EXPECT_EQ(u.settings->mix.weight(call_outcome::answered), 1);
  EXPECT_EQ(u.settings->mix.weight(call_outcome::no_answer), 0);
  EXPECT_EQ(u.settings->over_limit, concurrency_mode::rate_limit);
  EXPECT_EQ(u.settings->slow_ms, 5);
  EXPECT_TRUE(u.settings->transcript_updated);
  EXPECT_EQ(u.settings->drop_call_started_ratio, 1);
  // Untouched keys keep their values.
  EXPECT_EQ(u.settings->ring_seconds, base.ring_seconds);
}

TEST(settings_codec, mix_as_text_and_clearing_the_url) {
  sim_settings base;
  base.webhook_url = "http://127.0.0.1:1/x";
  auto u = apply_settings_json(base, R"({"mix": "voicemail=2", "webhook_url": null})");
  ASSERT_TRUE(u.settings) << u.error;
  EXPECT_EQ(u.settings->mix.total(), 2);
  EXPECT_TRUE(u.settings->webhook_url.empty());
}

TEST(settings_codec, refuses_bad_bodies_whole) {
  sim_settings base;
  for (const char* bad :
       {"", "[]", "{", R"({"nope": 1})", R"({"fail_429_ratio": 2})", R"({"fail_429_ratio": "x"})",
        R"({"concurrency_limit": 1.5})", R"({"time_scale": 0})", R"({"mix": {"ringing": 1}})",
        R"({"mix": {"answered": 0}})", R"({"mix": {"answered": -1}})",
        R"({"webhook_url": "ftp://x"})", R"({"concurrency_mode": "drop"})",
        R"({"transcript_updated": 1})", R"({"slow_ms": 0, "bogus": true})"}) {
    auto u = apply_settings_json(base, bad);
    EXPECT_FALSE(u.settings) << bad;
    EXPECT_FALSE(u.error.empty()) << bad;
  }
}

TEST(settings_codec, json_round_trips) {
  sim_settings s;
  s.fail_500_ratio = 0.5;
  s.over_limit = concurrency_mode::rate_limit;
  s.mix = *parse_outcome_mix("busy=4").mix;
  auto u = apply_settings_json(sim_settings{}, settings_json(s));
  ASSERT_TRUE(u.settings) << u.error;
  EXPECT_EQ(settings_json(*u.settings), settings_json(s));
}

}  // namespace
}  // namespace dialer::sim
