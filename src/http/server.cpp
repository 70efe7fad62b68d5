#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>
#include <thread>

#include "http/listener.hpp"
#include "http/server_context.hpp"

namespace dialer::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct server::impl {
  net::io_context& io;
  std::shared_ptr<server_context> context;
  std::shared_ptr<listener> acceptor;

  impl(net::io_context& io_context, server_options options, const router& routes)
      : io(io_context), context(std::make_shared<server_context>(std::move(options), routes)) {}
};

namespace {

tcp::endpoint resolve(net::io_context& io, const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    throw std::runtime_error("http server: cannot resolve host '" + host + "': " + ec.message());
  return results.begin()->endpoint();
}

}  // namespace

server::server(net::io_context& io, server_options options, const router& routes)
    : impl_(std::make_shared<impl>(io, std::move(options), routes)) {}

server::~server() {
  stop();
  impl_->context->forget_all();
}

void server::start() {
  if (impl_->acceptor) throw std::runtime_error("http server: already started");
  if (impl_->context->stopping()) throw std::runtime_error("http server: stopped, not restartable");
  const auto& opts = impl_->context->options();
  auto acceptor = std::make_shared<listener>(impl_->io, impl_->context);
  acceptor->open(resolve(impl_->io, opts.host, opts.port));
  acceptor->run();
  impl_->acceptor = std::move(acceptor);
}

void server::stop() {
  if (impl_->acceptor) impl_->acceptor->stop();
  impl_->context->close_all();
}

bool server::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->context->open_sessions() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::uint16_t server::port() const {
  return impl_->acceptor ? impl_->acceptor->port() : 0;
}

}  // namespace dialer::http
