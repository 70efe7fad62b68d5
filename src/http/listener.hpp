#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <cstdint>
#include <memory>

namespace dialer::http {

class server_context;

/// Accepts connections and starts one http_session for each, until stopped.
class listener : public std::enable_shared_from_this<listener> {
 public:
  /// A listener whose sessions share `context`.
  listener(boost::asio::io_context& io, std::shared_ptr<server_context> context);

  /// Opens, binds and listens on `endpoint`; throws std::runtime_error on failure.
  void open(const boost::asio::ip::tcp::endpoint& endpoint);
  /// Starts accepting.
  void run();
  /// Closes the acceptor soon; callable from any thread.
  void stop();
  /// The bound port (after open).
  std::uint16_t port() const { return port_; }

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<server_context> context_;
  std::uint16_t port_ = 0;
};

}  // namespace dialer::http
