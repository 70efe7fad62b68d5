#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "retell_sim/api_router.hpp"

namespace dialer::sim {

/// Turns a request into the simulator's answer.
using request_handler = std::function<api_reply(const api_request&)>;

/// One accepted HTTP/1.1 connection: reads a request, asks the handler, waits the reply's
/// delay, writes the answer, and reads the next request while the client keeps it alive.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  /// A session over an accepted socket.
  http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const request_handler> handler);

  /// Starts reading.
  void run();

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec);
  void answer(const api_reply& reply, bool keep_alive);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<const request_handler> handler_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  boost::asio::steady_timer delay_;
};

}  // namespace dialer::sim
