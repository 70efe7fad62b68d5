#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "retell_sim/http_session.hpp"

namespace dialer::sim {

/// Accepts connections on one endpoint and starts an http_session for each.
class listener : public std::enable_shared_from_this<listener> {
 public:
  /// Opens, binds and listens at once; throws boost::system::system_error on failure.
  listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<const request_handler> handler);

  /// The bound port (the real one when 0 was asked for).
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  /// Starts accepting.
  void run() { do_accept(); }

  /// Stops accepting.
  void stop();

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  std::shared_ptr<const request_handler> handler_;
};

}  // namespace dialer::sim
