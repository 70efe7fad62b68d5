#include "retell_sim/webhook_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace dialer::sim {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

webhook_connection::webhook_connection(boost::asio::io_context& io, std::uint64_t generation)
    : stream_(io), generation_(generation) {}

void webhook_connection::exchange(std::shared_ptr<const request> req, const endpoints& where,
                                  std::chrono::milliseconds timeout, completion done) {
  request_ = std::move(req);
  timeout_ = timeout;
  done_ = std::move(done);
  reused_ = exchanges_ > 0;
  ++exchanges_;
  if (connected_) {
    do_write();
    return;
  }
  stream_.expires_after(timeout_);
  stream_.async_connect(
      where, [self = shared_from_this()](const boost::system::error_code& ec,
                                         const tcp::endpoint&) { self->on_connect(ec); });
}

void webhook_connection::close() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  connected_ = false;
}

void webhook_connection::on_connect(const boost::system::error_code& ec) {
  if (ec) {
    complete({ec, 0, false, reused_});
    return;
  }
  connected_ = true;
  boost::system::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  do_write();
}

void webhook_connection::do_write() {
  stream_.expires_after(timeout_);
  http::async_write(stream_, *request_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->on_write(ec);
                    });
}

void webhook_connection::on_write(const boost::system::error_code& ec) {
  if (ec) {
    complete({ec, 0, false, reused_});
    return;
  }
  parser_.emplace();
  parser_->body_limit(1024 * 1024);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const boost::system::error_code& read_ec,
                                               std::size_t) { self->on_read(read_ec); });
}

void webhook_connection::on_read(const boost::system::error_code& ec) {
  if (ec) {
    complete({ec, 0, false, reused_});
    return;
  }
  const auto& res = parser_->get();
  complete({{}, res.result_int(), res.keep_alive(), reused_});
}

void webhook_connection::complete(exchange_result result) {
  stream_.expires_never();
  if (result.error || !result.keep_alive) close();
  auto done = std::move(done_);
  done_ = nullptr;
  request_.reset();
  done(result);
}

}  // namespace dialer::sim
