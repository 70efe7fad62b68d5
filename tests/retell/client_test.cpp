#include "retell/client.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "test_http_server.hpp"

namespace dialer::retell {
namespace {

using namespace std::chrono_literals;
using test::canned_reply;
using test::seen_request;
using test::server_action;
using test::test_http_server;

const std::string registered_call =
    R"({"call_id":"call_5e1f0c2a9b8d7e6f5a4b3c2d1e0","call_type":"phone_call",
  "agent_id":"agent_1","call_status":"registered","direction":"outbound",
  "from_number":"+14155550100","to_number":"+14155550199",
  "metadata":{"attempt_id":"981","tenant_id":"7"},
  "call_cost":{"combined_cost":0,"product_costs":[],"total_duration_seconds":0}})";

canned_reply answer(unsigned status, std::string body) {
  canned_reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

create_call_request sample_create() {
  create_call_request req;
  req.from_number = "+14155550100";
  req.to_number = "+14155550199";
  req.override_agent_id = "agent_1";
  req.metadata = {{"attempt_id", "981"}, {"tenant_id", "7"}};
  req.dynamic_variables = {{"first_name", "Ana"}};
  return req;
}

client_options options_for(const test_http_server& server) {
  client_options o;
  o.base_url = server.base_url();
  o.api_key = "key_test_0123456789";
  o.request_timeout = 5s;
  return o;
}

/// Runs the io_context until every outstanding request called back (or a safety limit).
void run(boost::asio::io_context& io) {
  io.restart();
  io.run_for(30s);
}

/// What one get/create callback saw.
struct call_result {
  bool called = false;
  provider_reply reply;
  std::optional<provider_call> call;
};

auto capture(call_result& out) {
  return [&out](provider_reply r, std::optional<provider_call> c) {
    out.called = true;
    out.reply = std::move(r);
    out.call = std::move(c);
  };
}

TEST(retell_client, create_phone_call_sends_the_documented_request_and_decodes_201) {
  test_http_server server([](const seen_request&) { return answer(201, registered_call); });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);

  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 201u);
  EXPECT_TRUE(result.reply.ok());
  EXPECT_TRUE(result.reply.error.empty()) << result.reply.error;
  ASSERT_TRUE(result.call);
  EXPECT_EQ(result.call->call_id, "call_5e1f0c2a9b8d7e6f5a4b3c2d1e0");
  EXPECT_EQ(result.call->call_status, "registered");
  EXPECT_EQ(result.call->attempt_id, 981);
  EXPECT_EQ(result.call->tenant_id, 7);
  EXPECT_EQ(result.call->cost_cents, 0);

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v2/create-phone-call");
  EXPECT_EQ(seen[0].authorization, "Bearer key_test_0123456789");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_FALSE(seen[0].user_agent.empty());
  auto body = parse_json(seen[0].body);
  ASSERT_TRUE(body.IsObject()) << seen[0].body;
  EXPECT_STREQ(body["from_number"].GetString(), "+14155550100");
  EXPECT_STREQ(body["to_number"].GetString(), "+14155550199");
  EXPECT_STREQ(body["override_agent_id"].GetString(), "agent_1");
  EXPECT_STREQ(body["metadata"]["attempt_id"].GetString(), "981");
  EXPECT_STREQ(body["metadata"]["tenant_id"].GetString(), "7");
  EXPECT_STREQ(body["retell_llm_dynamic_variables"]["first_name"].GetString(), "Ana");
}

TEST(retell_client, create_phone_call_accepts_200_too) {
  test_http_server server([](const seen_request&) { return answer(200, registered_call); });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_TRUE(result.reply.ok());
  ASSERT_TRUE(result.call);
  EXPECT_EQ(result.call->call_status, "registered");
}

TEST(retell_client, the_observer_hears_of_each_request_with_its_operation_and_status) {
  test_http_server server([](const seen_request& r) {
    if (r.target == "/v2/create-phone-call") return answer(201, registered_call);
    return answer(500, R"({"message":"boom"})");
  });
  boost::asio::io_context io;
  auto options = options_for(server);
  std::vector<std::pair<std::string, unsigned>> heard;
  bool seen_before_callback = false;
  options.on_request_done = [&heard](const request_observation& o) {
    EXPECT_GE(o.seconds, 0.0);
    heard.emplace_back(std::string(o.operation), o.status);
  };
  client c(io, options);
  call_result created, got;
  c.create_phone_call(sample_create(), [&](provider_reply r, std::optional<provider_call> call) {
    seen_before_callback = heard.size() == 1;
    capture(created)(std::move(r), std::move(call));
  });
  run(io);
  c.get_call("call_1", capture(got));
  run(io);
  ASSERT_TRUE(created.called && got.called);
  EXPECT_TRUE(seen_before_callback) << "the observer is told before the caller";
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0], std::make_pair(std::string("create_phone_call"), 201u));
  EXPECT_EQ(heard[1].first, "get_call");
  EXPECT_EQ(heard[1].second, 500u);
}

TEST(retell_client, get_call_requests_the_call_by_id) {
  test_http_server server([](const seen_request& r) {
    if (r.target == "/v2/get-call/call_missing") {
      return answer(422, R"({"status":"error","message":"Call not found"})");
    }
    return answer(200, R"({"call_id":"call_abc","call_status":"ended","duration_ms":61000,
        "disconnection_reason":"agent_hangup","metadata":{"attempt_id":12,"tenant_id":3}})");
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result found, missing;
  c.get_call("call_abc", capture(found));
  c.get_call("call_missing", capture(missing));
  run(io);

  ASSERT_TRUE(found.called);
  EXPECT_EQ(found.reply.status, 200u);
  ASSERT_TRUE(found.call);
  EXPECT_EQ(found.call->call_status, "ended");
  EXPECT_EQ(found.call->duration_ms, 61000);
  EXPECT_EQ(found.call->disconnection_reason, "agent_hangup");
  EXPECT_EQ(found.call->attempt_id, 12);

  ASSERT_TRUE(missing.called);
  EXPECT_EQ(missing.reply.status, 422u);
  EXPECT_FALSE(missing.reply.ok());
  EXPECT_FALSE(missing.reply.retryable());
  EXPECT_EQ(missing.reply.error, "Call not found");
  EXPECT_FALSE(missing.call);

  for (const auto& r : server.seen()) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.authorization, "Bearer key_test_0123456789");
  }
}

TEST(retell_client, get_call_escapes_the_id_and_keeps_a_base_path) {
  test_http_server server([](const seen_request&) { return answer(200, R"({"call_id":"x"})"); });
  boost::asio::io_context io;
  auto options = options_for(server);
  options.base_url += "/retell/";
  client c(io, options);
  call_result result;
  c.get_call("call/../x y", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_TRUE(result.reply.ok());
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].target, "/retell/v2/get-call/call%2F..%2Fx%20y");
}

TEST(retell_client, list_calls_by_metadata_sends_the_filter_and_decodes_the_array) {
  test_http_server server([](const seen_request&) {
    return answer(
        200, R"([{"call_id":"call_new","call_status":"ongoing","metadata":{"attempt_id":"981"}},
                           {"call_id":"call_old","call_status":"ended","metadata":{"attempt_id":"981"}}])");
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  bool called = false;
  provider_reply reply;
  std::vector<provider_call> calls;
  c.list_calls_by_metadata("attempt_id", "981",
                           [&](provider_reply r, std::vector<provider_call> v) {
                             called = true;
                             reply = std::move(r);
                             calls = std::move(v);
                           });
  run(io);

  ASSERT_TRUE(called);
  EXPECT_TRUE(reply.ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].call_id, "call_new");
  EXPECT_EQ(calls[1].attempt_id, 981);

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v2/list-calls");
  EXPECT_EQ(seen[0].authorization, "Bearer key_test_0123456789");
  auto body = parse_json(seen[0].body);
  ASSERT_TRUE(body.IsObject()) << seen[0].body;
  EXPECT_STREQ(body["filter_criteria"]["metadata"]["attempt_id"].GetString(), "981");
  EXPECT_STREQ(body["sort_order"].GetString(), "descending");
  EXPECT_EQ(body["limit"].GetInt(), 1000);
}

TEST(retell_client, get_concurrency_reads_current_and_limit) {
  test_http_server server([](const seen_request&) {
    return answer(200, R"({"current_concurrency":4,"concurrency_limit":20,"base_concurrency":20})");
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  bool called = false;
  provider_reply reply;
  std::int64_t current = -1, limit = -1;
  c.get_concurrency([&](provider_reply r, std::int64_t cur, std::int64_t lim) {
    called = true;
    reply = std::move(r);
    current = cur;
    limit = lim;
  });
  run(io);
  ASSERT_TRUE(called);
  EXPECT_TRUE(reply.ok());
  EXPECT_EQ(current, 4);
  EXPECT_EQ(limit, 20);
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].method, "GET");
  EXPECT_EQ(server.seen()[0].target, "/get-concurrency");
}

TEST(retell_client, client_error_carries_the_provider_message) {
  test_http_server server([](const seen_request&) {
    return answer(402, R"({"status":"error","message":"Insufficient balance"})");
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 402u);
  EXPECT_EQ(result.reply.error, "Insufficient balance");
  EXPECT_FALSE(result.reply.retryable());
  EXPECT_FALSE(result.reply.retry_after);
  EXPECT_FALSE(result.call);
}

TEST(retell_client, too_many_requests_carries_retry_after) {
  test_http_server server([](const seen_request&) {
    auto r = answer(429, R"({"status":"error","message":"Rate limit exceeded"})");
    r.headers.emplace_back("Retry-After", "7");
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 429u);
  EXPECT_TRUE(result.reply.retryable());
  ASSERT_TRUE(result.reply.retry_after);
  EXPECT_EQ(result.reply.retry_after->delay_ms, 7'000);
  EXPECT_EQ(result.reply.error, "Rate limit exceeded");
  EXPECT_EQ(server.requests(), 1u);  // the client itself never retries
}

TEST(retell_client, retry_after_as_an_http_date_counts_from_the_answers_date) {
  test_http_server server([](const seen_request&) {
    auto r = answer(503, R"({"status":"error","message":"Maintenance"})");
    r.headers.emplace_back("Date", "Wed, 15 Jul 2026 14:30:00 GMT");
    r.headers.emplace_back("Retry-After", "Wed, 15 Jul 2026 14:30:45 GMT");
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.get_call("call_1", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 503u);
  ASSERT_TRUE(result.reply.retry_after);
  EXPECT_EQ(result.reply.retry_after->delay_ms, 45'000);
}

TEST(retell_client, an_unreadable_retry_after_is_ignored) {
  test_http_server server([](const seen_request&) {
    auto r = answer(429, R"({"status":"error","message":"Slow down"})");
    r.headers.emplace_back("Retry-After", "in a moment");
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 429u);
  EXPECT_FALSE(result.reply.retry_after);
}

TEST(retell_client, server_error_is_retryable_even_without_a_json_body) {
  test_http_server server([](const seen_request&) {
    auto r = answer(500, "<html>upstream broke</html>");
    r.headers.emplace_back("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT");
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.get_call("call_abc", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 500u);
  EXPECT_TRUE(result.reply.retryable());
  ASSERT_TRUE(result.reply.retry_after);  // the HTTP-date form, without a Date header
  EXPECT_EQ(result.reply.retry_after->at_ms, 1'792'567'680'000);
  EXPECT_EQ(result.reply.error, "HTTP 500: <html>upstream broke</html>");
  EXPECT_FALSE(result.call);
}

TEST(retell_client, silent_server_times_out_with_status_0) {
  test_http_server server([](const seen_request&) {
    canned_reply r;
    r.action = server_action::hang;
    return r;
  });
  boost::asio::io_context io;
  auto options = options_for(server);
  options.request_timeout = 200ms;
  client c(io, options);
  call_result result;
  auto start = std::chrono::steady_clock::now();
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 0u);
  EXPECT_TRUE(result.reply.retryable());
  EXPECT_NE(result.reply.error.find("timed out"), std::string::npos) << result.reply.error;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(retell_client, queued_request_times_out_without_being_sent) {
  test_http_server server([](const seen_request&) {
    canned_reply r;
    r.action = server_action::hang;
    return r;
  });
  boost::asio::io_context io;
  auto options = options_for(server);
  options.request_timeout = 300ms;
  options.max_connections = 1;
  client c(io, options);
  call_result first, second;
  c.create_phone_call(sample_create(), capture(first));
  c.create_phone_call(sample_create(), capture(second));
  run(io);
  ASSERT_TRUE(first.called);
  ASSERT_TRUE(second.called);
  EXPECT_EQ(first.reply.status, 0u);
  EXPECT_EQ(second.reply.status, 0u);
  EXPECT_NE(second.reply.error.find("timed out"), std::string::npos) << second.reply.error;
  EXPECT_EQ(server.requests(), 1u);
}

TEST(retell_client, unreachable_provider_gives_status_0) {
  unsigned short closed_port = 0;
  {
    boost::asio::io_context probe;
    boost::asio::ip::tcp::acceptor a(probe, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  boost::asio::io_context io;
  client_options options;
  options.base_url = "http://127.0.0.1:" + std::to_string(closed_port);
  options.api_key = "k";
  client c(io, options);
  call_result result;
  c.get_call("call_abc", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 0u);
  EXPECT_TRUE(result.reply.retryable());
  EXPECT_NE(result.reply.error.find("connect"), std::string::npos) << result.reply.error;
}

TEST(retell_client, bad_base_urls_are_refused) {
  boost::asio::io_context io;
  for (const char* url :
       {"ftp://api.retellai.com", "api.retellai.com", "http://", "http://:80", "http://host:0",
        "http://host:99999", "http://host:8x", "https://user@host", "http://[::1"}) {
    client_options o;
    o.base_url = url;
    EXPECT_THROW((client{io, o}), std::invalid_argument) << url;
  }
  client_options ipv6;
  ipv6.base_url = "http://[::1]:8080/";
  EXPECT_NO_THROW((client{io, ipv6}));
}

TEST(retell_client, sequential_requests_reuse_one_connection) {
  test_http_server server([](const seen_request&) { return answer(200, R"({"call_id":"c"})"); });
  boost::asio::io_context io;
  client c(io, options_for(server));
  constexpr int total = 10;
  int ok = 0;
  std::function<void(int)> next = [&](int left) {
    if (left == 0) return;
    c.get_call("call_" + std::to_string(left),
               [&, left](provider_reply r, std::optional<provider_call>) {
                 if (r.ok()) ++ok;
                 next(left - 1);
               });
  };
  next(total);
  run(io);
  EXPECT_EQ(ok, total);
  EXPECT_EQ(server.requests(), static_cast<std::size_t>(total));
  EXPECT_EQ(server.connections(), 1u);
}

TEST(retell_client, connection_close_answers_are_not_reused) {
  test_http_server server([](const seen_request&) {
    auto r = answer(200, R"({"call_id":"c"})");
    r.keep_alive = false;
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  int ok = 0;
  std::function<void(int)> next = [&](int left) {
    if (left == 0) return;
    c.get_call("call_x", [&, left](provider_reply r, std::optional<provider_call>) {
      if (r.ok()) ++ok;
      next(left - 1);
    });
  };
  next(3);
  run(io);
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(server.connections(), 3u);
}

TEST(retell_client, create_is_never_resent_when_the_connection_drops_unanswered) {
  test_http_server server([](const seen_request&) {
    canned_reply r;
    r.action = server_action::close_without_answer;
    return r;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result result;
  c.create_phone_call(sample_create(), capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 0u);
  EXPECT_TRUE(result.reply.retryable());
  EXPECT_FALSE(result.reply.error.empty());
  EXPECT_FALSE(result.call);
  EXPECT_EQ(server.requests(), 1u);
}

// The server answers the first request of each connection and silently drops the connection
// on the next one: to the client, a pooled connection that went stale.
canned_reply first_answered_then_dropped(const seen_request& r) {
  if (r.nth_on_connection == 0) return answer(200, R"({"call_id":"c","call_status":"ongoing"})");
  canned_reply drop;
  drop.action = server_action::close_without_answer;
  return drop;
}

TEST(retell_client, stale_pooled_connection_is_retried_once_for_get) {
  test_http_server server(first_answered_then_dropped);
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result first, second;
  c.get_call("call_1", [&](provider_reply r, std::optional<provider_call> call) {
    first = {true, r, call};
    c.get_call("call_2", capture(second));  // goes out on the pooled connection
  });
  run(io);
  ASSERT_TRUE(first.called);
  ASSERT_TRUE(second.called);
  EXPECT_TRUE(first.reply.ok());
  EXPECT_TRUE(second.reply.ok()) << second.reply.error;
  EXPECT_EQ(server.requests(), 3u);
  EXPECT_EQ(server.connections(), 2u);
}

TEST(retell_client, stale_pooled_connection_is_retried_once_for_list) {
  test_http_server server([](const seen_request& r) {
    if (r.nth_on_connection == 0) return answer(200, "[]");
    canned_reply drop;
    drop.action = server_action::close_without_answer;
    return drop;
  });
  boost::asio::io_context io;
  client c(io, options_for(server));
  int ok = 0;
  c.list_calls_by_metadata("attempt_id", "1", [&](provider_reply r, std::vector<provider_call>) {
    if (r.ok()) ++ok;
    c.list_calls_by_metadata("attempt_id", "2", [&](provider_reply r2, std::vector<provider_call>) {
      if (r2.ok()) ++ok;
    });
  });
  run(io);
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(server.requests(), 3u);
}

TEST(retell_client, stale_pooled_connection_is_never_retried_for_create) {
  test_http_server server(first_answered_then_dropped);
  boost::asio::io_context io;
  client c(io, options_for(server));
  call_result first, created;
  c.get_call("call_1", [&](provider_reply r, std::optional<provider_call> call) {
    first = {true, r, call};
    c.create_phone_call(sample_create(), capture(created));
  });
  run(io);
  ASSERT_TRUE(first.called);
  ASSERT_TRUE(created.called);
  EXPECT_TRUE(first.reply.ok());
  EXPECT_EQ(created.reply.status, 0u);
  EXPECT_FALSE(created.call);
  EXPECT_EQ(server.requests(), 2u);
  EXPECT_EQ(server.connections(), 1u);
}

TEST(retell_client, five_hundred_concurrent_requests_all_complete) {
  test_http_server server([](const seen_request& r) {
    return answer(201, R"({"call_id":"call_)" + std::to_string(r.connection_no) +
                           R"(","call_status":"registered"})");
  });
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::set<std::thread::id> io_threads;
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });
  for (const auto& t : threads) io_threads.insert(t.get_id());

  constexpr int total = 500;
  std::atomic<int> done{0};
  std::atomic<int> ok{0};
  std::atomic<int> off_io_thread{0};
  std::mutex m;
  std::condition_variable cv;
  {
    auto options = options_for(server);
    options.request_timeout = 20s;
    client c(io, options);
    // Submitted from this (non-io) thread and from two helper threads at once.
    auto submit = [&](int count) {
      for (int i = 0; i < count; ++i) {
        c.create_phone_call(sample_create(),
                            [&](provider_reply r, std::optional<provider_call> call) {
                              if (r.status == 201 && call && call->call_status == "registered")
                                ++ok;
                              if (io_threads.count(std::this_thread::get_id()) == 0)
                                ++off_io_thread;
                              std::lock_guard<std::mutex> lock(m);
                              if (++done == total) cv.notify_all();
                            });
      }
    };
    std::thread a([&] { submit(200); });
    std::thread b([&] { submit(200); });
    submit(100);
    a.join();
    b.join();
    std::unique_lock<std::mutex> lock(m);
    EXPECT_TRUE(cv.wait_for(lock, 30s, [&] { return done.load() == total; }));
  }
  guard.reset();
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), total);
  EXPECT_EQ(ok.load(), total);
  EXPECT_EQ(off_io_thread.load(), 0);
  EXPECT_EQ(server.requests(), static_cast<std::size_t>(total));
  // Connections beyond the idle pool's 64 are closed when they free up and opened again in the
  // next burst, so more than the cap may be accepted over the run, never held open at once.
  EXPECT_LE(server.peak_open_connections(), client_options{}.max_connections);
}

/// Writes text to a file under the test temp dir, unique to this process and test (ctest may
/// run tests in parallel), and returns its path.
std::string write_temp_file(const std::string& name, const std::string& text) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + std::to_string(::getpid()) + "_" +
                     (info ? info->name() : "none") + "_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

/// A TLS server context holding a freshly generated self-signed certificate.
struct tls_fixture {
  test::self_signed_certificate cert = test::make_self_signed_certificate();
  boost::asio::ssl::context server_context{boost::asio::ssl::context::tls_server};
  std::string ca_file;

  tls_fixture() {
    server_context.use_certificate_chain(
        boost::asio::buffer(cert.certificate_pem.data(), cert.certificate_pem.size()));
    server_context.use_private_key(
        boost::asio::buffer(cert.private_key_pem.data(), cert.private_key_pem.size()),
        boost::asio::ssl::context::pem);
    ca_file = write_temp_file("retell_client_test_ca.pem", cert.certificate_pem);
  }
  ~tls_fixture() { std::remove(ca_file.c_str()); }
};

TEST(retell_client_tls, https_works_end_to_end_with_the_test_ca) {
  tls_fixture tls;
  test_http_server server(
      [](const seen_request& r) {
        if (r.method == "POST") return answer(201, registered_call);
        return answer(200, R"({"call_id":"call_abc","call_status":"ongoing"})");
      },
      &tls.server_context);
  ASSERT_EQ(server.base_url().rfind("https://", 0), 0u);
  boost::asio::io_context io;
  auto options = options_for(server);
  options.ca_file = tls.ca_file;
  client c(io, options);
  call_result created, fetched;
  c.create_phone_call(sample_create(), [&](provider_reply r, std::optional<provider_call> call) {
    created = {true, r, call};
    c.get_call("call_abc", capture(fetched));
  });
  run(io);
  ASSERT_TRUE(created.called);
  EXPECT_EQ(created.reply.status, 201u) << created.reply.error;
  ASSERT_TRUE(created.call);
  EXPECT_EQ(created.call->attempt_id, 981);
  ASSERT_TRUE(fetched.called);
  EXPECT_EQ(fetched.reply.status, 200u) << fetched.reply.error;
  ASSERT_TRUE(fetched.call);
  EXPECT_EQ(fetched.call->call_status, "ongoing");
  EXPECT_EQ(server.connections(), 1u);  // the TLS connection was kept and reused
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].authorization, "Bearer key_test_0123456789");
  EXPECT_EQ(seen[0].target, "/v2/create-phone-call");
}

TEST(retell_client_tls, untrusted_certificate_is_refused) {
  tls_fixture tls;
  test_http_server server([](const seen_request&) { return answer(200, "{}"); },
                          &tls.server_context);
  boost::asio::io_context io;
  client c(io, options_for(server));  // system store only: the test CA is unknown
  call_result result;
  c.get_call("call_abc", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 0u);
  EXPECT_NE(result.reply.error.find("TLS handshake"), std::string::npos) << result.reply.error;
  EXPECT_EQ(server.requests(), 0u);
}

TEST(retell_client_tls, verification_can_be_disabled_explicitly) {
  tls_fixture tls;
  test_http_server server([](const seen_request&) { return answer(200, R"({"call_id":"c"})"); },
                          &tls.server_context);
  boost::asio::io_context io;
  auto options = options_for(server);
  options.verify_peer = false;
  client c(io, options);
  call_result result;
  c.get_call("call_abc", capture(result));
  run(io);
  ASSERT_TRUE(result.called);
  EXPECT_EQ(result.reply.status, 200u) << result.reply.error;
}

TEST(retell_client_tls, unreadable_ca_file_is_refused_at_construction) {
  boost::asio::io_context io;
  client_options options;
  options.base_url = "https://127.0.0.1:1";
  options.ca_file = ::testing::TempDir() + "does_not_exist.pem";
  EXPECT_THROW((client{io, options}), std::invalid_argument);
}

}  // namespace
}  // namespace dialer::retell
