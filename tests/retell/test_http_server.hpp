#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace dialer::retell::test {

/// One request as the test server received it.
struct seen_request {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string host;
  std::string user_agent;
  std::string body;
  std::size_t connection_no = 0;      ///< 1-based order of the connection it came on
  std::size_t nth_on_connection = 0;  ///< 0 for the first request on its connection
};

/// What the test server does with a request.
enum class server_action {
  respond,               ///< send the canned response
  close_without_answer,  ///< drop the connection without a byte
  hang                   ///< never answer; keep the connection open
};

/// The test server's answer to one request.
struct canned_reply {
  server_action action = server_action::respond;
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = true;  ///< false: answer with Connection: close, then close
};

/// Decides the answer to each request; runs on the server's own thread.
using request_handler = std::function<canned_reply(const seen_request&)>;

/// A minimal asynchronous HTTP/1.1 server (plain or TLS) on 127.0.0.1, port chosen by the
/// system, running on its own thread and counting connections and requests.
class test_http_server {
 public:
  /// Starts serving; with `tls` (certificate and key loaded) it speaks HTTPS.
  explicit test_http_server(request_handler handler, boost::asio::ssl::context* tls = nullptr);
  /// Stops the server and drops every connection.
  ~test_http_server();
  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  /// The bound port.
  unsigned short port() const { return port_; }
  /// "http://127.0.0.1:<port>" or "https://...".
  std::string base_url() const;
  /// Connections accepted so far.
  std::size_t connections() const { return state_->connections.load(); }
  /// Most connections the server held open at once so far.
  std::size_t peak_open_connections() const { return state_->peak_open.load(); }
  /// Requests read so far.
  std::size_t requests() const { return state_->requests.load(); }
  /// Copies of the requests read so far, in arrival order.
  std::vector<seen_request> seen() const;

  /// Counters and log shared with the sessions.
  struct shared_state {
    request_handler handler;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> open{0};       ///< sessions alive now
    std::atomic<std::size_t> peak_open{0};  ///< most sessions alive at once
    std::atomic<std::size_t> requests{0};
    mutable std::mutex mutex;
    std::vector<seen_request> seen;
  };

 private:
  void accept();

  std::shared_ptr<shared_state> state_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
};

/// A self-signed certificate and its private key, both PEM.
struct self_signed_certificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

/// Generates a fresh P-256 key and a self-signed certificate for CN=localhost with
/// subjectAltName DNS:localhost and IP:127.0.0.1, valid for a day.
self_signed_certificate make_self_signed_certificate();

}  // namespace dialer::retell::test
