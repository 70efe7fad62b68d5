#include "http/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <stdexcept>
#include <string>

#include "http/http_session.hpp"
#include "http/server_context.hpp"

namespace dialer::http {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// Pause before accepting again after a failed accept (e.g. out of file descriptors), so the
/// listener does not spin.
constexpr std::chrono::milliseconds accept_retry_delay{50};

}  // namespace

listener::listener(net::io_context& io, std::shared_ptr<server_context> context)
    : io_(io),
      acceptor_(net::make_strand(io)),
      retry_timer_(acceptor_.get_executor()),
      context_(std::move(context)) {}

void listener::open(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  auto check = [&](const char* what) {
    if (ec) {
      throw std::runtime_error(std::string("http server: ") + what + " " +
                               endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + ec.message());
    }
  };
  acceptor_.open(endpoint.protocol(), ec);
  check("cannot open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  check("cannot set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  check("cannot bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  check("cannot listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  check("cannot read the bound port of");
}

void listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void listener::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(io_),
                         beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<http_session>(std::move(socket), context_);
  if (context_->add(session)) session->run();
  do_accept();
}

}  // namespace dialer::http
