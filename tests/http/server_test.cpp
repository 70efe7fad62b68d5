#include "http/server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "http/router.hpp"

namespace dialer::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using beast_request = bhttp::request<bhttp::string_body>;
using beast_response = bhttp::response<bhttp::string_body>;

/// Every client step gets this long; a healthy server answers in milliseconds.
constexpr auto client_deadline = 5s;

tcp::endpoint local(std::uint16_t port) {
  return {net::ip::make_address("127.0.0.1"), port};
}

beast_request make_request(bhttp::verb verb, std::string target, std::string body = {}) {
  beast_request req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.body() = std::move(body);
  return req;
}

/// The code and request_id of an API error body, or nullopt when it is not that shape.
struct api_error {
  std::string code;
  std::string request_id;
};

std::optional<api_error> parse_error(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("error")) return std::nullopt;
  const auto& err = doc["error"];
  if (!err.IsObject() || !err.HasMember("code") || !err["code"].IsString() ||
      !err.HasMember("message") || !err["message"].IsString() || !err.HasMember("details") ||
      !err["details"].IsObject() || !err.HasMember("request_id") || !err["request_id"].IsString())
    return std::nullopt;
  return api_error{err["code"].GetString(), err["request_id"].GetString()};
}

bool looks_generated(beast::string_view id) {
  std::string s(id.data(), id.size());
  return s.size() == 20 && s.rfind("req_", 0) == 0 &&
         s.find_first_not_of("0123456789abcdef", 4) == std::string::npos;
}

/// A blocking-looking HTTP/1.1 client with a deadline on every step (its own io_context).
class test_client {
 public:
  explicit test_client(std::uint16_t port) {
    stream_.expires_after(client_deadline);
    stream_.async_connect(local(port), [this](beast::error_code ec) { error_ = ec; });
    run();
  }

  bool connected() const { return !error_; }
  beast::error_code error() const { return error_; }

  /// Writes `req` (Content-Length set here) and reads the answer.
  std::optional<beast_response> send(beast_request req) {
    req.prepare_payload();
    if (!write(req)) return std::nullopt;
    return read();
  }

  /// Writes a message as is.
  template <class Message>
  bool write(Message& message) {
    stream_.expires_after(client_deadline);
    bhttp::async_write(stream_, message,
                       [this](beast::error_code ec, std::size_t) { error_ = ec; });
    run();
    return !error_;
  }

  /// Writes raw bytes.
  bool write_raw(const std::string& bytes) {
    stream_.expires_after(client_deadline);
    net::async_write(stream_, net::buffer(bytes),
                     [this](beast::error_code ec, std::size_t) { error_ = ec; });
    run();
    return !error_;
  }

  /// Reads one response (headers only when `head`).
  std::optional<beast_response> read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    stream_.expires_after(client_deadline);
    bhttp::async_read(stream_, buffer_, parser,
                      [this](beast::error_code ec, std::size_t) { error_ = ec; });
    run();
    if (error_) return std::nullopt;
    return parser.release();
  }

  /// True when the server closes the connection within `limit`; bytes before are dropped.
  bool closed_within(std::chrono::milliseconds limit) {
    stream_.expires_after(limit);
    std::array<char, 4096> scratch{};
    for (;;) {
      stream_.async_read_some(net::buffer(scratch),
                              [this](beast::error_code ec, std::size_t) { error_ = ec; });
      run();
      if (error_) return error_ != beast::error::timeout;
    }
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  beast::error_code error_;
};

/// A plain blocking socket for byte-level misbehaviour (trickling, stalling).
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port) : socket_(ioc_) { socket_.connect(local(port)); }

  /// Sends bytes; false once the server has closed the connection.
  bool send(const std::string& bytes) {
    ssize_t n = ::send(socket_.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    return n == static_cast<ssize_t>(bytes.size());
  }

  /// True when the server closes (EOF or reset) within `limit`; data before is dropped.
  bool closed_within(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{socket_.native_handle(), POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready > 0) {
        std::array<char, 4096> scratch{};
        ssize_t n = ::recv(socket_.native_handle(), scratch.data(), scratch.size(), 0);
        if (n <= 0) return true;
      }
    }
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
};

class server_test : public ::testing::Test {
 protected:
  static server_options test_options() {
    server_options o;
    o.max_body_bytes = 64 * 1024;
    o.max_header_bytes = 8 * 1024;
    o.read_timeout = 5s;
    o.idle_timeout = 5s;
    o.write_timeout = 5s;
    return o;
  }

  void SetUp() override {
    routes_.add("GET", "/ok", [](request&& req, responder respond) {
      response res;
      res.body = R"({"ok":true,"request_id":")" + req.request_id + "\"}";
      respond(std::move(res));
    });
    routes_.add("POST", "/echo", [](request&& req, responder respond) {
      response res;
      res.content_type = "application/octet-stream";
      res.body = std::move(req.body);
      respond(std::move(res));
    });
  }

  /// Starts the server with `options` on `threads` io threads.
  void start(server_options options = test_options(), int threads = 2) {
    server_ = std::make_unique<server>(io_, options, routes_);
    server_->start();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    for (int i = 0; i < threads; ++i) {
      ++running_;
      threads_.emplace_back([this] {
        io_.run();
        --running_;
      });
    }
  }

  /// Stops the server; true when the io_context ran out of work within `limit` on its own.
  bool stop_and_join(std::chrono::milliseconds limit = 5000ms) {
    if (!server_) return true;
    server_->stop();
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (running_ > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    bool finished = running_ == 0;
    if (!finished) io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    return finished;
  }

  void TearDown() override {
    EXPECT_TRUE(stop_and_join()) << "the io_context did not finish after stop()";
    server_.reset();
  }

  net::io_context io_;
  router routes_;
  std::unique_ptr<server> server_;
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
};

TEST_F(server_test, routes_with_params_and_sets_the_standard_headers) {
  routes_.add("GET", "/campaigns/{id}/leads/{lead}", [](request&& req, responder respond) {
    response res;
    res.body = req.path_params["id"] + "/" + req.path_params["lead"];
    res.headers.emplace_back("X-Extra", "1");
    respond(std::move(res));
  });
  start();
  test_client c(port_);
  ASSERT_TRUE(c.connected());
  auto res = c.send(make_request(bhttp::verb::get, "/campaigns/12/leads/34"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "12/34");
  EXPECT_EQ((*res)[bhttp::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ((*res)[bhttp::field::content_length], "5");
  EXPECT_EQ((*res)["X-Extra"], "1");
  EXPECT_TRUE(looks_generated((*res)["X-Request-Id"])) << (*res)["X-Request-Id"];
}

TEST_F(server_test, unknown_path_is_404_and_wrong_method_405_with_the_error_shape) {
  start();
  test_client c(port_);
  auto res = c.send(make_request(bhttp::verb::get, "/nowhere"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 404u);
  auto err = parse_error(res->body());
  ASSERT_TRUE(err) << res->body();
  EXPECT_EQ(err->code, "RESOURCE_NOT_FOUND");
  EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
  EXPECT_TRUE(looks_generated(err->request_id));

  res = c.send(make_request(bhttp::verb::delete_, "/ok"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 405u);
  EXPECT_EQ((*res)[bhttp::field::allow], "GET");
  err = parse_error(res->body());
  ASSERT_TRUE(err) << res->body();
  EXPECT_EQ(err->code, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
}

TEST_F(server_test, request_id_is_reused_only_when_safe_and_matches_the_body) {
  start();
  test_client c(port_);
  auto req = make_request(bhttp::verb::get, "/ok");
  req.set("X-Request-Id", "client-id_42");
  auto res = c.send(req);
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["X-Request-Id"], "client-id_42");
  EXPECT_NE(res->body().find("\"request_id\":\"client-id_42\""), std::string::npos);

  req.set("X-Request-Id", "not safe!");
  res = c.send(req);
  ASSERT_TRUE(res);
  EXPECT_TRUE(looks_generated((*res)["X-Request-Id"]));

  req = make_request(bhttp::verb::get, "/missing");
  req.set("X-Request-Id", std::string(65, 'a'));
  res = c.send(req);
  ASSERT_TRUE(res);
  auto err = parse_error(res->body());
  ASSERT_TRUE(err);
  EXPECT_TRUE(looks_generated(err->request_id));
  EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
}

TEST_F(server_test, keeps_the_connection_alive_between_requests) {
  start();
  test_client c(port_);
  auto first = c.send(make_request(bhttp::verb::get, "/ok"));
  ASSERT_TRUE(first) << c.error().message();
  EXPECT_TRUE(first->keep_alive());
  auto second = c.send(make_request(bhttp::verb::post, "/echo", "again"));
  ASSERT_TRUE(second) << c.error().message();
  EXPECT_EQ(second->body(), "again");
  EXPECT_NE((*first)["X-Request-Id"], (*second)["X-Request-Id"]);
}

TEST_F(server_test, connection_close_and_http10_are_honoured) {
  start();
  {
    test_client c(port_);
    auto req = make_request(bhttp::verb::get, "/ok");
    req.keep_alive(false);
    auto res = c.send(req);
    ASSERT_TRUE(res);
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(c.closed_within(client_deadline));
  }
  {
    test_client c(port_);
    auto req = make_request(bhttp::verb::get, "/ok");
    req.version(10);
    auto res = c.send(req);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->version(), 10u);
    EXPECT_TRUE(c.closed_within(client_deadline));
  }
}

TEST_F(server_test, handler_may_answer_later_from_another_thread) {
  std::mutex mutex;
  std::vector<std::thread> workers;
  routes_.add("GET", "/later/{n}", [&](request&& req, responder respond) {
    std::lock_guard<std::mutex> lock(mutex);
    workers.emplace_back([n = req.path_params["n"], respond = std::move(respond)] {
      std::this_thread::sleep_for(50ms);
      response res;
      res.status = 202;
      res.body = "later " + n;
      respond(std::move(res));
    });
  });
  start();
  test_client c(port_);
  for (int i = 0; i < 3; ++i) {
    auto res = c.send(make_request(bhttp::verb::get, "/later/" + std::to_string(i)));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 202u);
    EXPECT_EQ(res->body(), "later " + std::to_string(i));
    EXPECT_TRUE(looks_generated((*res)["X-Request-Id"]));
  }
  std::lock_guard<std::mutex> lock(mutex);
  for (auto& w : workers) w.join();
}

TEST_F(server_test, throwing_handler_gives_500_internal_and_the_connection_survives) {
  routes_.add("GET", "/boom",
              [](request&&, responder) -> void { throw std::runtime_error("secret detail"); });
  struct report {
    std::mutex mutex;
    std::string request_id;
    std::string what;
  };
  auto reported = std::make_shared<report>();
  auto options = test_options();
  options.on_handler_error = [reported](const std::string& id, const std::string& what) {
    std::lock_guard<std::mutex> lock(reported->mutex);
    reported->request_id = id;
    reported->what = what;
  };
  start(options);
  test_client c(port_);
  auto res = c.send(make_request(bhttp::verb::get, "/boom"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 500u);
  auto err = parse_error(res->body());
  ASSERT_TRUE(err) << res->body();
  EXPECT_EQ(err->code, "INTERNAL");
  EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
  EXPECT_EQ(res->body().find("secret detail"), std::string::npos);
  {
    std::lock_guard<std::mutex> lock(reported->mutex);
    EXPECT_EQ(reported->what, "secret detail");
    EXPECT_EQ(reported->request_id, err->request_id);
  }
  auto next = c.send(make_request(bhttp::verb::get, "/ok"));
  ASSERT_TRUE(next) << c.error().message();
  EXPECT_EQ(next->result_int(), 200u);
}

TEST_F(server_test, dropped_responder_gives_500_and_a_second_answer_is_ignored) {
  routes_.add("GET", "/drop", [](request&&, responder) {});
  routes_.add("GET", "/twice", [](request&&, responder respond) {
    response first;
    first.body = "first";
    respond(first);
    response second;
    second.body = "second";
    respond(second);
  });
  start();
  test_client c(port_);
  auto res = c.send(make_request(bhttp::verb::get, "/drop"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 500u);
  EXPECT_EQ(parse_error(res->body())->code, "INTERNAL");

  res = c.send(make_request(bhttp::verb::get, "/twice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "first");
  res = c.send(make_request(bhttp::verb::post, "/echo", "third"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "third");
}

TEST_F(server_test, body_over_the_limit_gets_413_and_the_connection_closes) {
  auto called = std::make_shared<std::atomic<int>>(0);
  routes_.add("POST", "/count", [called](request&&, responder respond) {
    ++*called;
    respond(response{});
  });
  auto options = test_options();
  options.max_body_bytes = 1024;
  start(options);

  {  // exactly at the limit: fine
    test_client c(port_);
    auto res = c.send(make_request(bhttp::verb::post, "/echo", std::string(1024, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body().size(), 1024u);
  }
  {  // declared and sent
    test_client c(port_);
    auto res = c.send(make_request(bhttp::verb::post, "/count", std::string(4096, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
    auto err = parse_error(res->body());
    ASSERT_TRUE(err) << res->body();
    EXPECT_EQ(err->code, "PAYLOAD_TOO_LARGE");
    EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(c.closed_within(client_deadline));
  }
  {  // declared only: answered as soon as the headers are in
    test_client c(port_);
    ASSERT_TRUE(
        c.write_raw("POST /count HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-1\r\nContent-Length: "
                    "1000000\r\n\r\n"));
    auto res = c.read();
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_EQ((*res)["X-Request-Id"], "big-1");
    EXPECT_EQ(parse_error(res->body())->request_id, "big-1");
    EXPECT_TRUE(c.closed_within(client_deadline));
  }
  {  // chunked: no declared size, the actual bytes exceed the limit
    test_client c(port_);
    std::string chunk = "200\r\n" + std::string(0x200, 'y') + "\r\n";
    std::string raw = "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) raw += chunk;
    raw += "0\r\n\r\n";
    ASSERT_TRUE(c.write_raw(raw));
    auto res = c.read();
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_EQ(parse_error(res->body())->code, "PAYLOAD_TOO_LARGE");
    EXPECT_TRUE(c.closed_within(client_deadline));
  }
  EXPECT_EQ(called->load(), 0);
}

TEST_F(server_test, a_route_may_take_larger_bodies_than_the_server_default) {
  routes_.add(
      "POST", "/upload/{kind}",
      [](request&& req, responder respond) {
        response res;
        res.body = std::to_string(req.body.size());
        respond(std::move(res));
      },
      8 * 1024);
  auto options = test_options();
  options.max_body_bytes = 1024;
  start(options);
  auto chunked = [](const std::string& target, std::size_t bytes) {
    std::string raw =
        "POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t sent = 0; sent < bytes; sent += 0x200)
      raw += "200\r\n" + std::string(0x200, 'z') + "\r\n";
    return raw + "0\r\n\r\n";
  };

  {  // the route's own limit
    test_client c(port_);
    auto res = c.send(make_request(bhttp::verb::post, "/upload/csv", std::string(4096, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body(), "4096");
    res = c.send(make_request(bhttp::verb::post, "/upload/csv", std::string(9000, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_NE(res->body().find("8192 bytes"), std::string::npos) << res->body();
  }
  {  // every other route keeps the server's
    test_client c(port_);
    auto res = c.send(make_request(bhttp::verb::post, "/echo", std::string(4096, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_NE(res->body().find("1024 bytes"), std::string::npos) << res->body();
  }
  {  // another method on the same path is another route: the default applies
    test_client c(port_);
    auto res = c.send(make_request(bhttp::verb::put, "/upload/csv", std::string(4096, 'x')));
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
  }
  {  // chunked bodies are held to the limit of their route too
    test_client c(port_);
    ASSERT_TRUE(c.write_raw(chunked("/upload/csv", 4096)));
    auto res = c.read();
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body(), "4096");
  }
  {
    test_client c(port_);
    ASSERT_TRUE(c.write_raw(chunked("/echo", 4096)));
    auto res = c.read();
    ASSERT_TRUE(res) << c.error().message();
    EXPECT_EQ(res->result_int(), 413u);
  }
}

TEST_F(server_test, bodies_much_larger_than_the_read_buffer_arrive_whole) {
  start(server_options{});  // the defaults: 1 MiB bodies, 16 KiB headers
  std::string body(1 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 131 % 251);
  test_client c(port_);
  auto res = c.send(make_request(bhttp::verb::post, "/echo", body));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_TRUE(res->body() == body);
  res = c.send(make_request(bhttp::verb::post, "/echo", body + "x"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 413u);
}

TEST_F(server_test, interim_or_invalid_status_from_a_handler_becomes_500) {
  routes_.add("GET", "/weird/{status}", [](request&& req, responder respond) {
    response res;
    res.status = static_cast<unsigned>(std::stoul(req.path_params["status"]));
    res.body = "{}";
    respond(std::move(res));
  });
  start();
  test_client c(port_);
  for (const char* status : {"101", "0", "600"}) {
    auto res = c.send(make_request(bhttp::verb::get, std::string("/weird/") + status));
    ASSERT_TRUE(res) << status << ": " << c.error().message();
    EXPECT_EQ(res->result_int(), 500u) << status;
  }
  auto res = c.send(make_request(bhttp::verb::get, "/weird/418"));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 418u);
}

TEST_F(server_test, expect_100_continue_is_answered) {
  start();
  test_client c(port_);
  ASSERT_TRUE(c.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto interim = c.read();
  ASSERT_TRUE(interim) << c.error().message();
  EXPECT_EQ(interim->result_int(), 100u);
  ASSERT_TRUE(c.write_raw("body"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "body");
}

TEST_F(server_test, oversized_headers_get_431) {
  auto options = test_options();
  options.max_header_bytes = 1024;
  start(options);
  test_client c(port_);
  auto req = make_request(bhttp::verb::get, "/ok");
  req.set("X-Padding", std::string(4096, 'p'));
  auto res = c.send(req);
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 431u);
  ASSERT_TRUE(parse_error(res->body()));
  EXPECT_TRUE(c.closed_within(client_deadline));
}

TEST_F(server_test, malformed_http_gets_400_and_close) {
  start();
  test_client c(port_);
  ASSERT_TRUE(c.write_raw("THIS IS NOT HTTP\r\n\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 400u);
  auto err = parse_error(res->body());
  ASSERT_TRUE(err) << res->body();
  EXPECT_EQ(err->code, "MALFORMED_REQUEST");
  EXPECT_EQ(err->request_id, (*res)["X-Request-Id"]);
  EXPECT_TRUE(c.closed_within(client_deadline));
}

TEST_F(server_test, client_that_stalls_mid_headers_is_disconnected) {
  auto options = test_options();
  options.read_timeout = 300ms;
  start(options);
  raw_connection conn(port_);
  ASSERT_TRUE(conn.send("GET /ok HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_TRUE(conn.closed_within(5000ms));
}

TEST_F(server_test, client_that_trickles_headers_or_body_is_disconnected) {
  auto options = test_options();
  options.read_timeout = 300ms;
  start(options);
  auto trickle_until_closed = [](raw_connection& conn) {
    // One byte every 20 ms would keep a per-read timeout happy forever.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!conn.send("x") || conn.closed_within(20ms)) return true;
    }
    return false;
  };
  {
    raw_connection conn(port_);
    ASSERT_TRUE(conn.send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    EXPECT_TRUE(trickle_until_closed(conn));
  }
  {
    raw_connection conn(port_);
    ASSERT_TRUE(conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n"));
    EXPECT_TRUE(trickle_until_closed(conn));
  }
}

TEST_F(server_test, idle_keep_alive_connection_is_closed) {
  auto options = test_options();
  options.idle_timeout = 300ms;
  start(options);
  test_client c(port_);
  ASSERT_TRUE(c.send(make_request(bhttp::verb::get, "/ok")));
  EXPECT_TRUE(c.closed_within(client_deadline));
}

TEST_F(server_test, raw_body_bytes_are_preserved_exactly) {
  auto seen = std::make_shared<std::string>();
  auto mutex = std::make_shared<std::mutex>();
  routes_.add("POST", "/webhook", [seen, mutex](request&& req, responder respond) {
    {
      std::lock_guard<std::mutex> lock(*mutex);
      *seen = req.body;
    }
    response res;
    res.status = 204;
    respond(std::move(res));
  });
  start();
  const std::string body = std::string(" \t{\"event\" :\r\n \"call_ended\",  \"x\":1 }\n\n  ") +
                           std::string("\0\xff\xfe\r\n", 5) + "  ";
  test_client c(port_);
  auto res = c.send(make_request(bhttp::verb::post, "/webhook", body));
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 204u);
  EXPECT_TRUE(res->body().empty());
  EXPECT_FALSE(res->has_content_length());  // RFC 7230 3.3.2: none on 204
  EXPECT_FALSE((*res)["X-Request-Id"].empty());
  {
    std::lock_guard<std::mutex> lock(*mutex);
    EXPECT_EQ(*seen, body);
  }

  res = c.send(make_request(bhttp::verb::post, "/echo", body));  // still alive after a 204
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->body(), body);
  EXPECT_EQ((*res)[bhttp::field::content_type], "application/octet-stream");

  // The same bytes sent chunked arrive de-chunked and unchanged.
  std::string raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size() - 10);
  raw += std::string(size) + "\r\n" + body.substr(0, body.size() - 10) + "\r\n";
  raw += "a\r\n" + body.substr(body.size() - 10) + "\r\n0\r\n\r\n";
  ASSERT_TRUE(c.write_raw(raw));
  res = c.read();
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->body(), body);
}

TEST_F(server_test, path_and_query_are_percent_decoded_and_headers_lower_cased) {
  auto seen = std::make_shared<request>();
  auto mutex = std::make_shared<std::mutex>();
  routes_.add("GET", "/files/{name}/raw", [seen, mutex](request&& req, responder respond) {
    {
      std::lock_guard<std::mutex> lock(*mutex);
      *seen = req;
    }
    respond(response{});
  });
  start();
  test_client c(port_);
  const std::string target = "/files/a%20b%2Fc/raw?x=1%202&y=a+b&z=%E2%9C%93&x=3&empty=";
  auto req = make_request(bhttp::verb::get, target);
  req.set("X-Custom-Thing", "Value");
  auto res = c.send(req);
  ASSERT_TRUE(res) << c.error().message();
  ASSERT_EQ(res->result_int(), 200u);

  std::lock_guard<std::mutex> lock(*mutex);
  EXPECT_EQ(seen->method, "GET");
  EXPECT_EQ(seen->target, target);
  EXPECT_EQ(seen->path, "/files/a b/c/raw");
  EXPECT_EQ(seen->path_params.at("name"), "a b/c");
  EXPECT_EQ(seen->query.count("x"), 2u);
  EXPECT_EQ(*seen->query_param("x"), "1 2");
  EXPECT_EQ(*seen->query_param("y"), "a b");
  EXPECT_EQ(*seen->query_param("z"), "\xe2\x9c\x93");
  EXPECT_EQ(*seen->query_param("empty"), "");
  EXPECT_EQ(seen->headers.at("x-custom-thing"), "Value");
  EXPECT_EQ(seen->header("X-CUSTOM-THING"), "Value");
  EXPECT_EQ(seen->request_id, (*res)["X-Request-Id"]);
}

TEST_F(server_test, head_gets_headers_without_a_body) {
  start();
  test_client c(port_);
  auto req = make_request(bhttp::verb::head, "/ok");
  req.prepare_payload();
  ASSERT_TRUE(c.write(req));
  auto res = c.read(/*head=*/true);
  ASSERT_TRUE(res) << c.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_NE((*res)[bhttp::field::content_length], "0");
  EXPECT_TRUE(res->body().empty());
  auto next = c.send(make_request(bhttp::verb::get, "/ok"));  // the stream is still in sync
  ASSERT_TRUE(next) << c.error().message();
  EXPECT_EQ(next->result_int(), 200u);
}

TEST_F(server_test, many_concurrent_connections_are_all_answered) {
  constexpr std::size_t clients = 200;
  // The handler holds every answer until all requests are in: only a server that serves the
  // connections concurrently gets there.
  struct gather {
    std::mutex mutex;
    std::vector<std::pair<responder, std::string>> waiting;
  };
  auto state = std::make_shared<gather>();
  routes_.add("GET", "/gather/{i}", [state](request&& req, responder respond) {
    std::vector<std::pair<responder, std::string>> ready;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->waiting.emplace_back(std::move(respond), req.path_params["i"]);
      if (state->waiting.size() == clients) ready.swap(state->waiting);
    }
    for (auto& [r, i] : ready) {
      response res;
      res.body = i;
      r(std::move(res));
    }
  });
  start();

  struct probe {
    explicit probe(net::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    beast_request req;
    beast_response res;
    bool ok = false;
  };
  net::io_context cio;
  std::vector<std::shared_ptr<probe>> probes;
  for (std::size_t i = 0; i < clients; ++i) {
    auto p = std::make_shared<probe>(cio);
    p->req = make_request(bhttp::verb::get, "/gather/" + std::to_string(i));
    p->req.prepare_payload();
    p->stream.expires_after(20s);
    p->stream.async_connect(local(port_), [p, i](beast::error_code ec) {
      if (ec) return;
      bhttp::async_write(p->stream, p->req, [p, i](beast::error_code ec, std::size_t) {
        if (ec) return;
        bhttp::async_read(p->stream, p->buffer, p->res, [p, i](beast::error_code ec, std::size_t) {
          p->ok = !ec && p->res.result_int() == 200 && p->res.body() == std::to_string(i);
        });
      });
    });
    probes.push_back(p);
  }
  cio.run();
  std::size_t answered = 0;
  for (const auto& p : probes) answered += p->ok ? 1 : 0;
  EXPECT_EQ(answered, clients);
}

TEST_F(server_test, stop_closes_every_session_so_the_io_context_finishes) {
  auto held = std::make_shared<std::vector<responder>>();
  auto mutex = std::make_shared<std::mutex>();
  auto arrived = std::make_shared<std::atomic<int>>(0);
  routes_.add("GET", "/hold", [held, mutex, arrived](request&&, responder respond) {
    std::lock_guard<std::mutex> lock(*mutex);
    held->push_back(std::move(respond));
    ++*arrived;
  });
  auto options = test_options();
  options.read_timeout = 60s;
  options.idle_timeout = 60s;
  start(options);

  test_client idle(port_);
  ASSERT_TRUE(idle.send(make_request(bhttp::verb::get, "/ok")));
  raw_connection half(port_);
  ASSERT_TRUE(half.send("GET /ok HTTP/1.1\r\nHost: x\r\n"));
  raw_connection waiting(port_);
  ASSERT_TRUE(waiting.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 500 && arrived->load() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(arrived->load(), 1);

  EXPECT_TRUE(stop_and_join(3000ms));
  EXPECT_TRUE(idle.closed_within(1000ms));
  EXPECT_TRUE(half.closed_within(1000ms));
  EXPECT_TRUE(waiting.closed_within(1000ms));
  // A late answer to a closed session goes nowhere and breaks nothing.
  std::lock_guard<std::mutex> lock(*mutex);
  for (auto& r : *held) r(response{});
}

TEST_F(server_test, binding_a_taken_port_throws) {
  start();
  net::io_context other;
  router none;
  server_options o = test_options();
  o.port = port_;
  server second(other, o, none);
  EXPECT_THROW(second.start(), std::runtime_error);
}

}  // namespace
}  // namespace dialer::http
