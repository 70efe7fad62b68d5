// webhook_load: posts signed Retell webhooks as fast as an endpoint answers them (benchmark
// generator, not a test). Node's http client cost more CPU per request than the engine it
// measured, on the same two cores; this one costs a few microseconds.
//
//   webhook_load --url http://127.0.0.1:8080/path --key KEY --bodies FILE [--connections 64]
//
// FILE holds one JSON body per line, posted in order by `connections` keep-alive connections,
// each waiting for its answer before sending its next request (as a provider's senders do).
// Each body is signed when it is sent (x-retell-signature, RETELL.md). Prints one JSON line:
// events, seconds, events_per_second, latency_ms {p50, p90, p99, p999, max}, statuses.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "retell/signature.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/// What the command line asks for.
struct options {
  std::string host;
  std::string port;
  std::string target;
  std::string key;
  std::string bodies;
  int connections = 64;
};

/// Splits "http://host:port/path" into host, port and target; false when it is not one.
bool parse_url(const std::string& url, options& o) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  o.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  o.host = authority.substr(0, colon);
  o.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return !o.host.empty() && !o.port.empty();
}

/// Everything the connections share: the bodies, the next one to send, what came back.
struct run_state {
  options opts;
  std::vector<std::string> bodies;
  std::size_t next = 0;
  std::vector<double> latency_ms;
  std::map<unsigned, std::size_t> statuses;
  std::size_t failures = 0;
};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One keep-alive connection posting bodies until none is left.
class lane : public std::enable_shared_from_this<lane> {
 public:
  lane(asio::io_context& io, run_state& run, tcp::resolver::results_type endpoints)
      : stream_(io), run_(run), endpoints_(std::move(endpoints)) {}

  void start() {
    stream_.async_connect(endpoints_,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            if (ec) return self->fail("connect", ec);
                            self->stream_.socket().set_option(tcp::no_delay(true));
                            self->send_next();
                          });
  }

 private:
  void send_next() {
    if (run_.next >= run_.bodies.size()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    index_ = run_.next++;
    const auto& body = run_.bodies[index_];
    request_ = {};
    request_.method(http::verb::post);
    request_.target(run_.opts.target);
    request_.version(11);
    request_.keep_alive(true);
    request_.set(http::field::host, run_.opts.host);
    request_.set(http::field::content_type, "application/json");
    request_.set("x-retell-signature",
                 dialer::retell::sign_webhook(body, run_.opts.key, wall_ms()));
    request_.body() = body;
    request_.prepare_payload();
    sent_at_ = steady::now();
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->fail("write", ec);
                        self->read_answer();
                      });
  }

  void read_answer() {
    response_ = {};
    http::async_read(
        stream_, buffer_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("read", ec);
          self->run_.latency_ms[self->index_] =
              std::chrono::duration<double, std::milli>(steady::now() - self->sent_at_).count();
          ++self->run_.statuses[self->response_.result_int()];
          self->send_next();
        });
  }

  void fail(const char* what, beast::error_code ec) {
    ++run_.failures;
    std::cerr << "webhook_load: " << what << ": " << ec.message() << "\n";
  }

  beast::tcp_stream stream_;
  run_state& run_;
  tcp::resolver::results_type endpoints_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::size_t index_ = 0;
  steady::time_point sent_at_;
};

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

int usage() {
  std::cerr << "usage: webhook_load --url http://host:port/path --key KEY --bodies FILE"
               " [--connections N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  run_state run;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--url")
      url = value;
    else if (flag == "--key")
      run.opts.key = value;
    else if (flag == "--bodies")
      run.opts.bodies = value;
    else if (flag == "--connections")
      run.opts.connections = std::max(1, std::atoi(value.c_str()));
    else
      return usage();
  }
  if (argc % 2 == 0 || !parse_url(url, run.opts) || run.opts.key.empty() || run.opts.bodies.empty())
    return usage();
  std::ifstream in(run.opts.bodies);
  if (!in) {
    std::cerr << "webhook_load: cannot read " << run.opts.bodies << "\n";
    return 2;
  }
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) run.bodies.push_back(std::move(line));
  run.latency_ms.assign(run.bodies.size(), -1);

  asio::io_context io;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(run.opts.host, run.opts.port);
  auto begin = steady::now();
  for (int c = 0; c < run.opts.connections; ++c)
    std::make_shared<lane>(io, run, endpoints)->start();
  io.run();
  double seconds = std::chrono::duration<double>(steady::now() - begin).count();

  std::vector<double> answered;
  for (double v : run.latency_ms)
    if (v >= 0) answered.push_back(v);
  std::sort(answered.begin(), answered.end());
  std::printf(
      "{\"events\":%zu,\"answered\":%zu,\"seconds\":%.2f,\"events_per_second\":%.0f,"
      "\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},"
      "\"statuses\":{",
      run.bodies.size(), answered.size(), seconds,
      seconds > 0 ? static_cast<double>(answered.size()) / seconds : 0.0, quantile(answered, 0.5),
      quantile(answered, 0.9), quantile(answered, 0.99), quantile(answered, 0.999),
      answered.empty() ? 0.0 : answered.back());
  bool first = true;
  for (const auto& [status, n] : run.statuses) {
    std::printf("%s\"%u\":%zu", first ? "" : ",", status, n);
    first = false;
  }
  std::printf("},\"connection_failures\":%zu}\n", run.failures);
  return run.failures == 0 && answered.size() == run.bodies.size() ? 0 : 1;
}
