#include "http/http_session.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/none.hpp>
#include <cctype>

#include "http/request_id.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/server_context.hpp"
#include "http/target.hpp"
#include "http/websocket_session.hpp"

namespace dialer::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// Bytes read into the buffer beyond the header limit: room for one read of the body.
constexpr std::size_t read_chunk_bytes = 64 * 1024;
/// After an error answer the unread rest of the request is read and dropped for at most this
/// long (and this many bytes), so that closing does not reset the connection before the
/// client has read the answer.
constexpr std::chrono::milliseconds max_drain_time{1000};
constexpr std::size_t max_drain_bytes = 16 * 1024 * 1024;

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}

unsigned out_status(const bhttp::response<bhttp::string_body>& r) {
  return static_cast<unsigned>(r.result_int());
}

bool iequals(beast::string_view a, beast::string_view b) {
  return beast::iequals(a, b);
}

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

/// Fields the session owns in every answer; a handler's own values for them are ignored.
bool is_reserved_header(beast::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "content-type") || iequals(name, "x-request-id") ||
         iequals(name, "connection");
}

request to_request(bhttp::request<bhttp::string_body>&& m, std::string request_id) {
  request req;
  req.method = std::string(to_std(m.method_string()));
  req.target = std::string(to_std(m.target()));
  req.path = percent_decode(target_path(req.target));
  req.query = parse_query(target_query(req.target));
  for (const auto& field : m) {
    std::string name = lower(field.name_string());
    auto [it, inserted] = req.headers.emplace(name, std::string(to_std(field.value())));
    if (!inserted) {
      // Repeated fields combine into one comma-separated value (RFC 7230 3.2.2).
      it->second.append(", ").append(field.value().data(), field.value().size());
    }
  }
  req.body = std::move(m.body());
  req.request_id = std::move(request_id);
  return req;
}

/// The one answer to one request. Copies of the responder share it; the first call wins, and
/// a responder dropped without any call answers 500, so a client is never left waiting.
struct pending_reply {
  std::weak_ptr<http_session> session;
  std::string request_id;
  std::atomic<bool> answered{false};

  pending_reply(std::weak_ptr<http_session> s, std::string id)
      : session(std::move(s)), request_id(std::move(id)) {}

  ~pending_reply() {
    if (answered.exchange(true)) return;
    try {
      if (auto s = session.lock())
        s->deliver(error_response(500, "INTERNAL", "The request was dropped without an answer",
                                  request_id));
    } catch (...) {
      // Nothing sensible to do in a destructor; the connection will be closed eventually.
    }
  }

  void answer(response res) {
    if (answered.exchange(true)) return;
    if (auto s = session.lock()) s->deliver(std::move(res));
  }
};

}  // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<server_context> context)
    : stream_(std::move(socket)),
      buffer_(context->options().max_header_bytes + read_chunk_bytes),
      context_(std::move(context)) {}

http_session::~http_session() = default;

void http_session::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->start_request(); });
}

void http_session::close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void http_session::deliver(response res) {
  net::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
    self->on_response(std::move(res));
  });
}

void http_session::start_request() {
  if (closed_) return;
  const auto& opts = context_->options();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(opts.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Until the header names the route, the largest limit of any route applies; then the
  // route's own (on_read_header).
  parser_->body_limit(static_cast<std::uint64_t>(
      std::max(opts.max_body_bytes, context_->routes().largest_body_limit())));
  // The first request (or one already partly buffered) is on the request clock from the
  // start; otherwise the connection is idle until the next request's first byte arrives.
  if (requests_ == 0 || buffer_.size() > 0) {
    do_read_header();
  } else {
    do_wait();
  }
}

void http_session::do_wait() {
  stream_.expires_after(context_->options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(read_chunk_bytes),
                          beast::bind_front_handler(&http_session::on_wait, shared_from_this()));
}

void http_session::on_wait(beast::error_code ec, std::size_t bytes) {
  if (ec || closed_) return do_close();
  buffer_.commit(bytes);
  do_read_header();
}

void http_session::do_read_header() {
  // One deadline for the whole request: headers, any 100-continue, and body. A client that
  // trickles bytes cannot extend it.
  stream_.expires_after(context_->options().read_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&http_session::on_read_header, shared_from_this()));
}

void http_session::on_read_header(beast::error_code ec, std::size_t) {
  if (ec) return fail_request(ec);
  if (closed_) return;
  const auto& header = parser_->get();
  const std::size_t limit = body_limit_of(header.method_string(), header.target());
  if (parser_->content_length() && *parser_->content_length() > limit)
    return fail_request(bhttp::error::body_limit);
  parser_->body_limit(static_cast<std::uint64_t>(limit));
  if (iequals(header[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
    continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                     header.version());
    // Written under the request's deadline, which is still armed.
    bhttp::async_write(
        stream_, *continue_,
        beast::bind_front_handler(&http_session::on_continue_sent, shared_from_this()));
    return;
  }
  do_read_body();
}

void http_session::on_continue_sent(beast::error_code ec, std::size_t) {
  continue_.reset();
  if (ec || closed_) return do_close();
  do_read_body();
}

void http_session::do_read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) return fail_request(ec);
  if (closed_) return;
  dispatch_request();
}

void http_session::fail_request(beast::error_code ec) {
  if (closed_ || ec == net::error::operation_aborted) return do_close();
  // The header may be incomplete (a too-large Content-Length stops the parser at that field);
  // whatever fields came before it are usable.
  request_id_ = request_id_for(parser_ ? to_std(parser_->get()["X-Request-Id"]) : "");
  received_ = std::chrono::steady_clock::now();
  method_ = parser_ ? std::string(to_std(parser_->get().method_string())) : std::string();
  path_ = parser_ ? percent_decode(target_path(std::string(to_std(parser_->get().target()))))
                  : std::string();
  version_ = parser_ && parser_->get().version() == 10 ? 10 : 11;
  head_ = false;
  const auto& opts = context_->options();
  if (ec == bhttp::error::body_limit) {
    const std::size_t limit =
        parser_ ? body_limit_of(parser_->get().method_string(), parser_->get().target())
                : opts.max_body_bytes;
    return send(
        error_response(413, "PAYLOAD_TOO_LARGE",
                       "The request body exceeds " + std::to_string(limit) + " bytes", request_id_),
        true, true);
  }
  if (ec == bhttp::error::header_limit) {
    return send(error_response(431, "PAYLOAD_TOO_LARGE",
                               "The request headers exceed " +
                                   std::to_string(opts.max_header_bytes) + " bytes",
                               request_id_),
                true, true);
  }
  if (ec == bhttp::error::buffer_overflow) {
    return send(
        error_response(431, "PAYLOAD_TOO_LARGE", "The request headers are too large", request_id_),
        true, true);
  }
  if (is_parse_error(ec) && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message) {
    return send(error_response(400, "MALFORMED_REQUEST", "Malformed HTTP request: " + ec.message(),
                               request_id_),
                true, true);
  }
  // The client left, went quiet past its deadline, or the socket failed: nobody to answer.
  do_close();
}

std::size_t http_session::body_limit_of(beast::string_view method,
                                        beast::string_view target) const {
  return context_->routes()
      .body_limit(to_std(method), to_std(target))
      .value_or(context_->options().max_body_bytes);
}

void http_session::dispatch_request() {
  auto message = parser_->release();
  request_id_ = request_id_for(to_std(message["X-Request-Id"]));
  received_ = std::chrono::steady_clock::now();
  version_ = message.version();
  keep_alive_ = message.keep_alive();
  head_ = message.method() == bhttp::verb::head;
  awaiting_response_ = true;
  if (beast::websocket::is_upgrade(message)) upgrade_request_.emplace(message.base());

  request req = to_request(std::move(message), request_id_);
  method_ = req.method;
  path_ = req.path;
  responder respond = make_responder();
  responder fallback = respond;  // shares the reply: answers only if nothing else did
  std::string what;
  try {
    context_->routes().route(std::move(req), std::move(respond));
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  fallback(error_response(500, "INTERNAL", "Internal server error", request_id_));
  const auto& report = context_->options().on_handler_error;
  if (report) {
    try {
      report(request_id_, what);
    } catch (...) {
      // A failing error reporter must not take the session down.
    }
  }
}

responder http_session::make_responder() {
  auto reply = std::make_shared<pending_reply>(weak_from_this(), request_id_);
  return [reply](response res) { reply->answer(std::move(res)); };
}

void http_session::on_response(response res) {
  if (closed_ || !awaiting_response_) return;
  awaiting_response_ = false;
  if (res.upgrade) {
    if (upgrade_request_) return start_websocket(std::move(res.upgrade));
    response refused = error_response(426, "UPGRADE_REQUIRED",
                                      "This resource is a WebSocket: send an upgrade request",
                                      request_id_);
    refused.headers.emplace_back("Upgrade", "websocket");
    return send(std::move(refused), !keep_alive_, false);
  }
  send(std::move(res), !keep_alive_, false);
}

void http_session::start_websocket(websocket_acceptor accept) {
  // The connection now belongs to the WebSocket session; this session ends without closing it.
  closed_ = true;
  auto ws = std::make_shared<websocket_session>(std::move(stream_), context_);
  if (context_->add(ws)) ws->run(std::move(*upgrade_request_), std::move(accept));
  upgrade_request_.reset();
  context_->remove(this);
}

void http_session::send(response res, bool close_after, bool drain_after) {
  if (out_) return;  // a write is in flight; cannot happen with one request at a time
  awaiting_response_ = false;
  auto out = std::make_shared<beast_response>();
  try {
    // A handler answers with a final status; an interim (1xx) one would desync the client.
    unsigned status = res.status >= 200 && res.status <= 599 ? res.status : 500;
    out->result(status);
    out->version(version_);
    for (const auto& [name, value] : res.headers) {
      if (iequals(name, "connection")) {
        if (value.find("close") != std::string::npos) close_after = true;
        continue;
      }
      if (!is_reserved_header(name)) out->insert(name, value);
    }
    out->set(bhttp::field::content_type, res.content_type);
    out->set("X-Request-Id", request_id_);
    out->keep_alive(!close_after);
    bool bodiless = status == 204 || status == 304;
    if (!bodiless) out->body() = std::move(res.body);
    out->prepare_payload();
    // No Content-Length on 204 (RFC 7230 3.3.2), nor on 304 where it would describe
    // a representation we do not send.
    if (bodiless) out->content_length(boost::none);
    if (head_) {
      std::size_t length = out->body().size();
      out->body().clear();
      if (!bodiless) out->content_length(length);
    }
  } catch (const std::exception&) {
    out = std::make_shared<beast_response>(bhttp::status::internal_server_error, version_);
    response err = error_response(500, "INTERNAL", "Internal server error", request_id_);
    out->set(bhttp::field::content_type, err.content_type);
    out->set("X-Request-Id", request_id_);
    out->keep_alive(!close_after);
    out->body() = std::move(err.body);
    out->prepare_payload();
  }
  log_access(out_status(*out), res.tenant_id);
  out_ = std::move(out);
  close_after_write_ = close_after;
  drain_after_write_ = drain_after;
  do_write();
}

void http_session::log_access(unsigned status, std::int64_t tenant_id) {
  const auto& report = context_->options().on_request_done;
  if (!report) return;
  access_record a;
  a.request_id = request_id_;
  a.method = method_;
  a.path = path_;
  a.status = status;
  a.tenant_id = tenant_id;
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - received_).count();
  try {
    report(a);
  } catch (...) {
    // The access log must not take the session down.
  }
}

void http_session::do_write() {
  stream_.expires_after(context_->options().write_timeout);
  bhttp::async_write(stream_, *out_,
                     beast::bind_front_handler(&http_session::on_write, shared_from_this()));
}

void http_session::on_write(beast::error_code ec, std::size_t) {
  out_.reset();
  if (ec || closed_) return do_close();
  ++requests_;
  if (close_after_write_) {
    if (drain_after_write_) return do_drain();
    return do_close();
  }
  start_request();
}

void http_session::do_drain() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min<std::chrono::milliseconds>(
      max_drain_time,
      std::chrono::duration_cast<std::chrono::milliseconds>(context_->options().read_timeout)));
  stream_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&http_session::on_drain, shared_from_this()));
}

void http_session::on_drain(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || closed_ || drained_ > max_drain_bytes) return do_close();
  stream_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&http_session::on_drain, shared_from_this()));
}

void http_session::do_close() {
  if (closed_) return;
  closed_ = true;
  awaiting_response_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  context_->remove(this);
}

}  // namespace dialer::http
