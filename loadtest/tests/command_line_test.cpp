#include "retell_sim/command_line.hpp"

#include <gtest/gtest.h>

namespace dialer::sim {
namespace {

command_line_result parse(std::vector<std::string> args) {
  return parse_command_line(args);
}

TEST(command_line, defaults_with_only_the_key) {
  auto r = parse({"--api-key", "k"});
  ASSERT_TRUE(r.options) << r.error;
  EXPECT_EQ(r.options->api_key, "k");
  EXPECT_EQ(r.options->listen_host, "127.0.0.1");
  EXPECT_EQ(r.options->listen_port, 0);
  EXPECT_EQ(r.options->settings.concurrency_limit, 20);
  EXPECT_EQ(r.options->settings.mean_call_seconds, 120);
  EXPECT_EQ(r.options->settings.ring_seconds, 20);
  EXPECT_EQ(r.options->settings.over_limit, concurrency_mode::error);
  EXPECT_EQ(r.options->settings.mix.total(), 100);
  EXPECT_FALSE(r.options->settings.transcript_updated);
}

TEST(command_line, reads_every_option) {
  auto r = parse({"--listen",
                  "0.0.0.0:8099",
                  "--api-key=secret",
                  "--webhook-url",
                  "http://127.0.0.1:9/hook",
                  "--time-scale",
                  "600",
                  "--concurrency-limit=5",
                  "--mix",
                  "answered=1",
                  "--mean-call-seconds",
                  "30",
                  "--ring-seconds",
                  "4",
                  "--analysis-seconds",
                  "0",
                  "--seed",
                  "99",
                  "--fail-429-ratio",
                  "0.1",
                  "--fail-500-ratio",
                  "0.2",
                  "--slow-ms",
                  "250",
                  "--duplicate-webhook-ratio",
                  "0.3",
                  "--reorder-webhooks-ratio",
                  "0.4",
                  "--drop-call-started-ratio",
                  "0.5",
                  "--concurrency-mode",
                  "429",
                  "--retry-after-seconds",
                  "3",
                  "--transcript-updated",
                  "--webhook-connections",
                  "8",
                  "--webhook-timeout-ms",
                  "500",
                  "--webhook-retries",
                  "1",
                  "--webhook-backoff-ms",
                  "10"});
  ASSERT_TRUE(r.options) << r.error;
  const auto& o = *r.options;
  const auto& s = o.settings;
  EXPECT_EQ(o.listen_host, "0.0.0.0");
  EXPECT_EQ(o.listen_port, 8099);
  EXPECT_EQ(o.api_key, "secret");
  EXPECT_EQ(s.webhook_url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(s.time_scale, 600);
  EXPECT_EQ(s.concurrency_limit, 5);
  EXPECT_EQ(s.mix.weight(call_outcome::answered), 1);
  EXPECT_EQ(s.mix.total(), 1);
  EXPECT_EQ(s.mean_call_seconds, 30);
  EXPECT_EQ(s.ring_seconds, 4);
  EXPECT_EQ(s.analysis_seconds, 0);
  EXPECT_EQ(o.seed, 99u);
  EXPECT_EQ(s.fail_429_ratio, 0.1);
  EXPECT_EQ(s.fail_500_ratio, 0.2);
  EXPECT_EQ(s.slow_ms, 250);
  EXPECT_EQ(s.duplicate_webhook_ratio, 0.3);
  EXPECT_EQ(s.reorder_webhooks_ratio, 0.4);
  EXPECT_EQ(s.drop_call_started_ratio, 0.5);
  EXPECT_EQ(s.over_limit, concurrency_mode::rate_limit);
  EXPECT_EQ(s.retry_after_seconds, 3);
  EXPECT_TRUE(s.transcript_updated);
  EXPECT_EQ(o.webhook_connections, 8u);
  EXPECT_EQ(o.webhook_timeout_ms, 500);
  EXPECT_EQ(o.webhook_retries, 1);
  EXPECT_EQ(o.webhook_backoff_ms, 10);
}

TEST(command_line, refuses_bad_input_with_a_message) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"--api-key"},
      {"--api-key", "k", "--bogus", "1"},
      {"--api-key", "k", "stray"},
      {"--api-key", "k", "--time-scale", "0"},
      {"--api-key", "k", "--time-scale", "fast"},
      {"--api-key", "k", "--concurrency-limit", "-1"},
      {"--api-key", "k", "--concurrency-limit", "2.5"},
      {"--api-key", "k", "--concurrency-mode", "drop"},
      {"--api-key", "k", "--mix", "answered=0"},
      {"--api-key", "k", "--fail-429-ratio", "1.5"},
      {"--api-key", "k", "--fail-429-ratio", "0.6", "--fail-500-ratio", "0.6"},
      {"--api-key", "k", "--webhook-url", "https://x/y"},
      {"--api-key", "k", "--listen", "nowhere"},
      {"--api-key", "k", "--slow-ms", "-5"},
      {"--api-key", "k", "--webhook-connections", "0"},
      {"--api-key", "k", "--seed", "-1"},
      {"--api-key", "k", "--transcript-updated=maybe"},
  };
  for (const auto& args : bad) {
    auto r = parse(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(r.options) << joined;
    EXPECT_FALSE(r.help) << joined;
    EXPECT_FALSE(r.error.empty()) << joined;
  }
}

TEST(command_line, help_wins) {
  auto r = parse({"--help"});
  EXPECT_TRUE(r.help);
  EXPECT_NE(usage_text().find("--concurrency-mode"), std::string::npos);
}

TEST(command_line, real_ms_scales_simulated_time) {
  EXPECT_EQ(real_ms(120, 600), 200);
  EXPECT_EQ(real_ms(20, 1), 20000);
  EXPECT_EQ(real_ms(0, 10), 0);
  EXPECT_EQ(real_ms(-3, 10), 0);
}

}  // namespace
}  // namespace dialer::sim
