#include "retell_sim/webhook_dispatcher.hpp"

#include <gtest/gtest.h>

#include "retell/signature.hpp"
#include "webhook_sink.hpp"

namespace dialer::sim {
namespace {

using testing::webhook_sink;

constexpr std::int64_t fixed_now = 1'750'000'000'000;

webhook_policy fast_policy(int retries = 3) {
  webhook_policy p;
  p.max_connections = 4;
  p.timeout = std::chrono::milliseconds(2000);
  p.retries = retries;
  p.backoff = std::chrono::milliseconds(1);
  return p;
}

TEST(webhook_dispatcher, delivers_signed_bodies_over_one_kept_alive_connection) {
  boost::asio::io_context io;
  webhook_sink sink(io);
  webhook_policy policy = fast_policy();
  policy.max_connections = 1;
  webhook_dispatcher hooks(io, policy, "key_123", [] { return fixed_now; });
  ASSERT_EQ(hooks.set_target(sink.url()), "");
  int delivered = 0;
  for (int i = 0; i < 5; ++i)
    hooks.deliver(R"({"event":"call_ended","n":)" + std::to_string(i) + "}",
                  [&](bool ok) { delivered += ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return delivered == 5; }));
  ASSERT_EQ(sink.requests.size(), 5u);
  EXPECT_EQ(sink.connections, 1);
  for (const auto& r : sink.requests) {
    EXPECT_EQ(retell::verify_webhook(r.body, "key_123", r.signature, fixed_now),
              retell::signature_status::valid)
        << r.signature;
    EXPECT_NE(retell::verify_webhook(r.body, "other", r.signature, fixed_now),
              retell::signature_status::valid);
  }
  EXPECT_EQ(sink.requests[3].body, R"({"event":"call_ended","n":3})");
  EXPECT_EQ(hooks.counters().delivered, 5u);
  EXPECT_EQ(hooks.counters().attempts, 5u);
}

TEST(webhook_dispatcher, a_connection_closed_by_the_target_is_replaced_without_a_retry) {
  boost::asio::io_context io;
  webhook_sink sink(io);
  sink.close_after_answer = true;
  webhook_policy policy = fast_policy();
  policy.max_connections = 1;
  webhook_dispatcher hooks(io, policy, "k", [] { return fixed_now; });
  ASSERT_EQ(hooks.set_target(sink.url()), "");
  int delivered = 0;
  hooks.deliver("{\"n\":1}", [&](bool ok) { delivered += ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return delivered == 1; }));
  // Let the close reach us, so the next send goes out on a connection that is already dead.
  webhook_sink::run_until(
      io, [] { return false; }, std::chrono::milliseconds(50));
  hooks.deliver("{\"n\":2}", [&](bool ok) { delivered += ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return delivered == 2; }));
  EXPECT_EQ(sink.requests.size(), 2u);
  EXPECT_EQ(sink.connections, 2);
  EXPECT_EQ(hooks.counters().retried, 0u);
  EXPECT_EQ(hooks.counters().failed, 0u);
}

TEST(webhook_dispatcher, retries_non_2xx_then_succeeds) {
  boost::asio::io_context io;
  webhook_sink sink(io);
  sink.script = {500, 503};
  webhook_dispatcher hooks(io, fast_policy(), "k", [] { return fixed_now; });
  ASSERT_EQ(hooks.set_target(sink.url()), "");
  std::optional<bool> result;
  hooks.deliver("{}", [&](bool ok) { result = ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return result.has_value(); }));
  EXPECT_TRUE(*result);
  EXPECT_EQ(sink.requests.size(), 3u);
  EXPECT_EQ(hooks.counters().attempts, 3u);
  EXPECT_EQ(hooks.counters().retried, 2u);
  EXPECT_EQ(hooks.counters().delivered, 1u);
}

TEST(webhook_dispatcher, gives_up_after_the_retries) {
  boost::asio::io_context io;
  webhook_sink sink(io);
  sink.script = {500, 500, 500, 500, 500};
  webhook_dispatcher hooks(io, fast_policy(2), "k", [] { return fixed_now; });
  ASSERT_EQ(hooks.set_target(sink.url()), "");
  std::optional<bool> result;
  hooks.deliver("{}", [&](bool ok) { result = ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return result.has_value(); }));
  EXPECT_FALSE(*result);
  EXPECT_EQ(sink.requests.size(), 3u);
  EXPECT_EQ(hooks.counters().failed, 1u);
}

TEST(webhook_dispatcher, connection_refused_counts_as_failed) {
  boost::asio::io_context io;
  std::string url;
  {
    webhook_sink closed(io);  // bind a port, then free it so nothing listens there
    url = closed.url();
  }
  webhook_dispatcher hooks(io, fast_policy(1), "k", [] { return fixed_now; });
  ASSERT_EQ(hooks.set_target(url), "");
  std::optional<bool> result;
  hooks.deliver("{}", [&](bool ok) { result = ok; });
  ASSERT_TRUE(webhook_sink::run_until(io, [&] { return result.has_value(); }));
  EXPECT_FALSE(*result);
  EXPECT_EQ(hooks.counters().attempts, 2u);
  EXPECT_EQ(hooks.counters().failed, 1u);
}

TEST(webhook_dispatcher, without_a_target_events_are_skipped) {
  boost::asio::io_context io;
  webhook_dispatcher hooks(io, fast_policy(), "k", [] { return fixed_now; });
  std::optional<bool> result;
  hooks.deliver("{}", [&](bool ok) { result = ok; });
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(*result);
  EXPECT_EQ(hooks.counters().skipped, 1u);
  EXPECT_NE(hooks.set_target("https://example.com/x"), "");
}

}  // namespace
}  // namespace dialer::sim
