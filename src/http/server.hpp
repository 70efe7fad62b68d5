#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost {
namespace asio {
class io_context;
}
}  // namespace boost

namespace dialer::http {

class router;

/// One answered request, for the access log.
struct access_record {
  std::string request_id;
  std::string method;
  std::string path;  ///< without the query (which may hold secrets)
  unsigned status = 0;
  std::int64_t tenant_id = 0;  ///< the tenant the request acted for; 0: none or unknown
  double seconds = 0;          ///< from the whole request read to its answer being queued
};

/// Limits and address of the HTTP server.
struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                     ///< 0: any free port (tests)
  std::size_t max_body_bytes = 1 << 20;       ///< larger bodies get 413 PAYLOAD_TOO_LARGE
  std::size_t max_header_bytes = 16 * 1024;   ///< larger headers get 431 / connection closed
  std::chrono::milliseconds read_timeout{10'000};  ///< whole request (headers + body)
  std::chrono::milliseconds idle_timeout{60'000};  ///< keep-alive between requests
  std::chrono::milliseconds write_timeout{10'000};  ///< writing one response
  /// WebSocket: messages and bytes one client's outgoing queue may hold; past either the
  /// client is closed with 1013 (try again later).
  std::size_t websocket_queue_messages = 1024;
  std::size_t websocket_queue_bytes = 4 << 20;
  /// WebSocket: a ping goes out after half this long without hearing from the client; the
  /// connection is dropped after the whole of it.
  std::chrono::milliseconds websocket_idle_timeout{30'000};
  /// WebSocket: kernel send buffer of each connection, so that a client that stops reading is
  /// noticed by its queue rather than hidden in megabytes of socket buffer (0: kernel default).
  std::size_t websocket_send_buffer_bytes = 64 * 1024;
  /// Told (on an I/O thread) of an exception escaping a handler, which got 500 INTERNAL.
  std::function<void(const std::string& request_id, const std::string& what)> on_handler_error;
  /// Told (on an I/O thread) of every answer about to be written; must not throw.
  std::function<void(const access_record&)> on_request_done;
};

/// The Beast HTTP/1.1 server: a listener and one session per connection. Sessions only do
/// I/O: each complete request goes to the router; responses carry X-Request-Id.
class server {
 public:
  /// Prepares a server on `io` dispatching to `routes` (which must outlive the server).
  server(boost::asio::io_context& io, server_options options, const router& routes);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and starts accepting; throws std::runtime_error when the address cannot be bound.
  void start();
  /// Stops accepting and closes open sessions (WebSocket clients with 1001, going away).
  void stop();
  /// After stop(): waits up to `timeout` for every session to finish closing; true when all did.
  bool wait_closed(std::chrono::milliseconds timeout);
  /// The bound port (after start).
  std::uint16_t port() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace dialer::http
