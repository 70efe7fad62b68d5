#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/server_context.hpp"

namespace dialer::http {

/// One HTTP/1.1 connection: reads a request, hands it to the router, writes the answer, and
/// repeats while the connection is kept alive. Only I/O happens here. Everything runs on the
/// session's strand; other threads reach it through close() and the responder it hands out.
class http_session final : public open_connection,
                           public std::enable_shared_from_this<http_session> {
 public:
  /// A session over an accepted socket (whose executor is a strand).
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> context);
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  /// Starts reading the first request.
  void run();
  /// Closes the connection soon; callable from any thread.
  void close() override;
  /// Queues the answer to the current request; callable from any thread.
  void deliver(response res);

 private:
  using beast_request = boost::beast::http::request<boost::beast::http::string_body>;
  using beast_response = boost::beast::http::response<boost::beast::http::string_body>;

  void start_request();
  void do_wait();
  void on_wait(boost::beast::error_code ec, std::size_t bytes);
  void do_read_header();
  void on_read_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue_sent(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void fail_request(boost::beast::error_code ec);
  /// The body limit of the route a request goes to: its own, else the server's.
  std::size_t body_limit_of(boost::beast::string_view method,
                            boost::beast::string_view target) const;
  void dispatch_request();
  responder make_responder();
  void on_response(response res);
  /// Hands the connection to a websocket_session that accepts the upgrade request.
  void start_websocket(websocket_acceptor accept);
  void send(response res, bool close_after, bool drain_after);
  /// Tells the server's access log about the answer being sent.
  void log_access(unsigned status, std::int64_t tenant_id);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_drain();
  void on_drain(boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_context> context_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<beast_response> out_;  ///< the one write in flight, if any
  std::shared_ptr<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
  std::array<char, 8192> drain_buffer_{};
  /// The header of the current request when it asked for a WebSocket upgrade.
  std::optional<boost::beast::http::request<boost::beast::http::empty_body>> upgrade_request_;

  // The request being answered.
  std::string request_id_;
  std::string method_;
  std::string path_;
  std::chrono::steady_clock::time_point received_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool awaiting_response_ = false;

  bool close_after_write_ = false;
  bool drain_after_write_ = false;
  bool closed_ = false;
  std::size_t requests_ = 0;
  std::size_t drained_ = 0;
};

}  // namespace dialer::http
