#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace dialer::sim {

/// The outcome of one request/response exchange with the webhook target.
struct exchange_result {
  boost::system::error_code error;  ///< set on connect, write, read or timeout failures
  unsigned status = 0;              ///< HTTP status; 0 when no answer arrived
  bool keep_alive = false;          ///< the connection may serve another exchange
  bool reused = false;              ///< the connection had served an earlier exchange
};

/// One keep-alive HTTP client connection to the webhook target, one exchange at a time.
class webhook_connection : public std::enable_shared_from_this<webhook_connection> {
 public:
  /// A webhook POST request.
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  /// Where to connect.
  using endpoints = boost::asio::ip::tcp::resolver::results_type;
  /// Called once per exchange.
  using completion = std::function<void(exchange_result)>;

  /// A closed connection tagged with the target generation it belongs to.
  webhook_connection(boost::asio::io_context& io, std::uint64_t generation);

  /// Sends `req`, connecting to `where` first if not connected, and reports the answer.
  /// Each step must finish within `timeout`.
  void exchange(std::shared_ptr<const request> req, const endpoints& where,
                std::chrono::milliseconds timeout, completion done);

  /// The webhook target generation this connection was opened for.
  std::uint64_t generation() const { return generation_; }

  /// Closes the socket.
  void close();

 private:
  void on_connect(const boost::system::error_code& ec);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void on_read(const boost::system::error_code& ec);
  void complete(exchange_result result);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<const request> request_;
  std::chrono::milliseconds timeout_{0};
  completion done_;
  std::uint64_t generation_;
  bool connected_ = false;
  bool reused_ = false;
  std::size_t exchanges_ = 0;
};

}  // namespace dialer::sim
