#include "retell_sim/http_session.hpp"

#include <chrono>
#include <string>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "retell_sim/call_json.hpp"

namespace dialer::sim {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {
constexpr auto idle_timeout = std::chrono::seconds(120);
constexpr auto write_timeout = std::chrono::seconds(30);
constexpr std::uint64_t body_limit = 1024 * 1024;

std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}
}  // namespace

http_session::http_session(tcp::socket socket, std::shared_ptr<const request_handler> handler)
    : stream_(std::move(socket)), handler_(std::move(handler)), delay_(stream_.get_executor()) {}

void http_session::run() {
  boost::system::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  do_read();
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(body_limit);
  stream_.expires_after(idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->on_read(ec);
                   });
}

void http_session::on_read(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) {
    api_reply too_big;
    too_big.status = 413;
    too_big.body = error_json("Request body too large");
    answer(too_big, false);
    return;
  }
  if (ec) {
    do_close();
    return;
  }
  const auto& req = parser_->get();
  auto auth = req.find(http::field::authorization);
  api_request request{to_std(req.method_string()), to_std(req.target()),
                      auth == req.end() ? std::string_view{} : to_std(auth->value()), req.body()};
  answer((*handler_)(request), req.keep_alive());
}

void http_session::answer(const api_reply& reply, bool keep_alive) {
  response_ = {};
  response_.version(11);
  response_.result(reply.status);
  response_.set(http::field::server, "retell-sim");
  if (!reply.body.empty()) {
    response_.set(http::field::content_type, "application/json");
    response_.body() = reply.body;
  }
  if (reply.retry_after_seconds)
    response_.set(http::field::retry_after, std::to_string(*reply.retry_after_seconds));
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  if (reply.delay.count() <= 0) {
    do_write();
    return;
  }
  stream_.expires_never();
  delay_.expires_after(reply.delay);
  delay_.async_wait(
      [self = shared_from_this()](const boost::system::error_code&) { self->do_write(); });
}

void http_session::do_write() {
  stream_.expires_after(write_timeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->on_write(ec);
                    });
}

void http_session::on_write(const boost::system::error_code& ec) {
  if (ec || !response_.keep_alive()) {
    do_close();
    return;
  }
  do_read();
}

void http_session::do_close() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace dialer::sim
