#include "retell_sim/listener.hpp"

#include <iostream>

#include <boost/asio/socket_base.hpp>

namespace dialer::sim {

using tcp = boost::asio::ip::tcp;

listener::listener(boost::asio::io_context& io, const tcp::endpoint& endpoint,
                   std::shared_ptr<const request_handler> handler)
    : io_(io), acceptor_(io), pause_(io), handler_(std::move(handler)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
}

void listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  pause_.cancel();
}

void listener::do_accept() {
  acceptor_.async_accept(
      io_, [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void listener::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Typically out of file descriptors: report, pause briefly, keep serving the others.
    std::cerr << "retell_sim: accept failed: " << ec.message() << '\n';
    pause_.expires_after(std::chrono::milliseconds(50));
    pause_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
    });
    return;
  }
  std::make_shared<http_session>(std::move(socket), handler_)->run();
  do_accept();
}

}  // namespace dialer::sim
