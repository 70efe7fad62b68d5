#include "http/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>

namespace dialer::http {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

namespace {

/// Largest message a client may send: it only ever sends small subscribe messages.
constexpr std::size_t max_client_message_bytes = 4096;
/// How long a close may wait for a write stuck behind a client that stopped reading, or for
/// the client's answering close frame, before the socket is simply shut.
constexpr std::chrono::seconds close_deadline{10};
/// Close reasons are limited to 123 bytes by RFC 6455.
constexpr std::size_t max_reason_bytes = 123;

}  // namespace

websocket_session::websocket_session(beast::tcp_stream&& stream,
                                     std::shared_ptr<server_context> context)
    : ws_(std::move(stream)),
      context_(std::move(context)),
      close_deadline_(ws_.get_executor()),
      outbox_(outbox_limits{context_->options().websocket_queue_messages,
                            context_->options().websocket_queue_bytes}) {}

websocket_session::~websocket_session() = default;

void websocket_session::run(beast::http::request<beast::http::empty_body> req,
                            websocket_acceptor accept) {
  upgrade_request_ = std::move(req);
  accept_ = std::move(accept);
  net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    const auto& opts = self->context_->options();
    // Beast's timeouts replace the TCP stream's own from here on.
    beast::get_lowest_layer(self->ws_).expires_never();
    if (opts.websocket_send_buffer_bytes > 0) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().set_option(
          net::socket_base::send_buffer_size(static_cast<int>(opts.websocket_send_buffer_bytes)),
          ignored);
    }
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = opts.websocket_idle_timeout;
    timeouts.keep_alive_pings = true;
    self->ws_.set_option(timeouts);
    self->ws_.read_message_max(max_client_message_bytes);
    self->ws_.async_accept(self->upgrade_request_,
                           beast::bind_front_handler(&websocket_session::on_accept, self));
  });
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) return finish();
  accepted_ = true;
  auto accept = std::move(accept_);
  accept_ = nullptr;
  if (accept) accept(shared_from_this());
  do_read();
  // Messages queued by the accept callback (or an early close) go out now.
  bool kick = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!write_posted_ && (!outbox_.empty() || closing_)) write_posted_ = kick = true;
  }
  if (kick) do_write();
}

void websocket_session::do_read() {
  ws_.async_read(read_buffer_,
                 beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();
  std::string text = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  if (ws_.got_text() && on_message_ && !close_started_) on_message_(*this, std::move(text));
  do_read();
}

websocket_channel::send_result websocket_session::send(std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_) return send_result::closed;
  send_result result = send_result::queued;
  if (!outbox_.offer(std::move(text))) {
    // Too slow to keep up: what it has not read yet is dropped, never buffered further.
    closing_ = true;
    close_code_ = 1013;
    close_reason_ = "too slow: event queue full, reconnect";
    outbox_.clear();
    result = send_result::overflow;
  }
  if (!write_posted_) {
    write_posted_ = true;
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }
  return result;
}

void websocket_session::close_with(std::uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_) return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = reason.substr(0, max_reason_bytes);
  outbox_.clear();
  if (write_posted_) return;  // the running write chain starts the close when it ends
  write_posted_ = true;
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
}

void websocket_session::close() {
  close_with(1001, "server shutting down");
}

void websocket_session::on_message(std::function<void(websocket_channel&, std::string)> fn) {
  on_message_ = std::move(fn);
}

void websocket_session::on_closed(std::function<void()> fn) {
  on_closed_ = std::move(fn);
}

void websocket_session::do_write() {
  if (finished_ || write_in_flight_) return;
  std::optional<std::string> next;
  bool start_close = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Before the handshake is done nothing may be written: on_accept restarts the chain.
    if (accepted_ && !closing_) next = outbox_.take();
    if (!next) {
      write_posted_ = false;
      start_close = accepted_ && closing_;
    }
  }
  if (!next) {
    if (start_close) begin_close();
    return;
  }
  writing_ = std::move(*next);
  write_in_flight_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(writing_),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  write_in_flight_ = false;
  writing_.clear();
  if (ec) return finish();
  do_write();
}

void websocket_session::begin_close() {
  if (close_started_ || finished_) return;
  close_started_ = true;
  websocket::close_reason reason;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reason.code = close_code_;
    reason.reason.assign(close_reason_.data(), close_reason_.size());
  }
  close_deadline_.expires_after(close_deadline);
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
  ws_.async_close(reason,
                  beast::bind_front_handler(&websocket_session::on_close, shared_from_this()));
}

void websocket_session::on_close(beast::error_code) {
  finish();
}

void websocket_session::finish() {
  if (finished_) return;
  finished_ = true;
  close_deadline_.cancel();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    outbox_.clear();
  }
  auto closed = std::move(on_closed_);
  on_closed_ = nullptr;
  on_message_ = nullptr;
  accept_ = nullptr;
  if (closed) closed();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  context_->remove(this);
}

}  // namespace dialer::http
