#include "retell/client.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <openssl/ssl.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/provider_retry.hpp"
#include "retell/call_codec.hpp"

namespace dialer::retell {

bool provider_reply::retryable() const {
  return is_retryable_provider_status(status);
}

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using steady_clock = std::chrono::steady_clock;
using strand_type = net::strand<net::io_context::executor_type>;

/// Largest response body accepted (a list-calls page of 1000 calls with transcripts is big).
constexpr std::uint64_t max_response_body = std::uint64_t{256} << 20;
/// How long resolved addresses of the provider are reused before resolving again.
constexpr auto endpoint_cache_ttl = std::chrono::seconds(60);
constexpr const char* user_agent = "dialer-retell-client/1.0";

/// The parts of a base URL the client needs.
struct base_url {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6
  std::string port;
  std::string host_header;  ///< authority as written in the URL
  std::string path_prefix;  ///< "" or "/prefix" without trailing slash
};

base_url parse_base_url(const std::string& url) {
  auto bad = [&](const char* why) {
    return std::invalid_argument(std::string("retell base_url ") + why + ": " + url);
  };
  base_url out;
  std::string_view rest(url);
  if (rest.rfind("https://", 0) == 0) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    throw bad("must start with http:// or https://");
  }
  if (rest.find_first_of("?#@") != std::string_view::npos) throw bad("has a query or user info");
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path_prefix = std::string(path);

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("has an unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("has junk after the IPv6 literal");
      port = after.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw bad("has no host");
  if (port.empty()) {
    if (authority.back() == ':') throw bad("has an empty port");
    out.port = out.tls ? "443" : "80";
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw bad("has a bad port");
    }
    int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) throw bad("has a port out of range");
    out.port = std::string(port);
  }
  out.host = std::string(host);
  out.host_header = std::string(authority);
  return out;
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
std::string encode_path_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

/// What came back for one request, before any JSON decoding.
struct raw_reply {
  unsigned status = 0;
  std::optional<retell::retry_after> retry_after;
  std::string body;
  std::string error;  ///< transport error when status is 0
};

using raw_done = std::function<void(raw_reply)>;

/// One keep-alive connection to the provider, plain or TLS. Used by one request at a time.
class connection {
 public:
  connection(net::io_context& io, ssl::context* tls) : resolver_(io) {
    if (tls != nullptr) {
      secure_.emplace(io, *tls);
    } else {
      plain_.emplace(io);
    }
  }

  /// The TCP socket under the (optional) TLS layer.
  tcp::socket& socket() { return secure_ ? secure_->next_layer() : *plain_; }
  /// The TLS stream, or nullptr for plain HTTP.
  ssl::stream<tcp::socket>* secure() { return secure_ ? &*secure_ : nullptr; }
  /// Calls f with the stream HTTP is spoken over.
  template <class F>
  void with_stream(F&& f) {
    if (secure_) {
      f(*secure_);
    } else {
      f(*plain_);
    }
  }
  tcp::resolver& resolver() { return resolver_; }
  beast::flat_buffer& buffer() { return buffer_; }

  /// Cheap check before reuse: the peer has neither closed nor sent anything unasked.
  bool looks_alive() {
    if (buffer_.size() != 0) return false;
    tcp::socket& s = socket();
    if (!s.is_open()) return false;
    error_code ec;
    s.non_blocking(true, ec);
    if (ec) return false;
    char probe = 0;
    s.receive(net::buffer(&probe, 1), tcp::socket::message_peek, ec);
    return ec == net::error::would_block;
  }

  /// Closes the socket; pending operations complete with operation_aborted.
  void close() {
    error_code ignored;
    resolver_.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  steady_clock::time_point idle_since{};

 private:
  tcp::resolver resolver_;
  std::optional<tcp::socket> plain_;
  std::optional<ssl::stream<tcp::socket>> secure_;
  beast::flat_buffer buffer_;
};

class exchange;

/// Shared state of one client: options, TLS context, the idle pool and the connection slots.
/// Pool and slot state are touched only on strand_.
class transport : public std::enable_shared_from_this<transport> {
 public:
  transport(net::io_context& io, client_options options)
      : io_(io),
        options_(std::move(options)),
        url_(parse_base_url(options_.base_url)),
        strand_(net::make_strand(io)) {
    if (url_.tls) {
      tls_.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
      if (options_.verify_peer) {
        error_code ec;
        if (options_.ca_file.empty()) {
          tls_->set_default_verify_paths(ec);
        } else {
          tls_->load_verify_file(options_.ca_file, ec);
        }
        if (ec) {
          throw std::invalid_argument("retell: cannot load trusted certificates '" +
                                      options_.ca_file + "': " + ec.message());
        }
      }
    }
  }

  ~transport() {
    for (auto& c : idle_) c->close();
  }

  const client_options& options() const { return options_; }
  const base_url& url() const { return url_; }
  net::io_context& io() { return io_; }

  /// A new, unconnected connection.
  std::shared_ptr<connection> make_connection() {
    return std::make_shared<connection>(io_, tls_ ? &*tls_ : nullptr);
  }

  /// Builds a request with the provider's headers.
  http::request<http::string_body> make_request(http::verb verb, const std::string& path,
                                                std::string body) const {
    http::request<http::string_body> req{verb, url_.path_prefix + path, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::user_agent, user_agent);
    req.set(http::field::authorization, "Bearer " + options_.api_key);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  /// Sends one request; `done` runs once on the io_context.
  void send(http::request<http::string_body> req, bool idempotent, raw_done done);

  /// Queues `ex` for a connection slot (any thread).
  void acquire(std::shared_ptr<exchange> ex) {
    net::post(strand_, [self = shared_from_this(), ex = std::move(ex)]() mutable {
      self->acquire_on_strand(std::move(ex));
    });
  }

  /// Gives back a slot and, when reusable, its connection (any thread).
  void release(std::shared_ptr<connection> conn, bool reusable) {
    net::post(strand_, [self = shared_from_this(), conn = std::move(conn), reusable]() mutable {
      self->release_on_strand(std::move(conn), reusable);
    });
  }

  /// Removes a queued exchange whose deadline passed; it is told if it was still queued.
  void withdraw(std::shared_ptr<exchange> ex);

  /// Stops pooling and closes idle connections (any thread).
  void shutdown() {
    net::post(strand_, [self = shared_from_this()] {
      self->closing_ = true;
      for (auto& c : self->idle_) c->close();
      self->idle_.clear();
    });
  }

  /// Resolved provider addresses when still fresh.
  std::optional<tcp::resolver::results_type> cached_endpoints() {
    std::lock_guard<std::mutex> lock(endpoints_mutex_);
    if (endpoints_.empty() || steady_clock::now() >= endpoints_expiry_) return std::nullopt;
    return endpoints_;
  }

  /// Remembers resolved addresses, or forgets them (empty results) after a connect failure.
  void remember_endpoints(const tcp::resolver::results_type& r) {
    std::lock_guard<std::mutex> lock(endpoints_mutex_);
    endpoints_ = r;
    endpoints_expiry_ = steady_clock::now() + endpoint_cache_ttl;
  }

 private:
  void acquire_on_strand(std::shared_ptr<exchange> ex);

  void release_on_strand(std::shared_ptr<connection> conn, bool reusable) {
    --in_use_;
    if (conn) {
      if (reusable && !closing_ && options_.max_idle_connections > 0) {
        if (idle_.size() >= options_.max_idle_connections) {
          idle_.front()->close();
          idle_.pop_front();
        }
        conn->idle_since = steady_clock::now();
        idle_.push_back(std::move(conn));
      } else {
        conn->close();
      }
    }
    while (!waiting_.empty() && has_free_slot()) {
      auto next = std::move(waiting_.front());
      waiting_.pop_front();
      acquire_on_strand(std::move(next));
    }
  }

  bool has_free_slot() const {
    return options_.max_connections == 0 || in_use_ < options_.max_connections;
  }

  // Newest idle connection that still looks usable; nullptr when none.
  std::shared_ptr<connection> take_idle() {
    auto now = steady_clock::now();
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (now - c->idle_since < options_.idle_timeout && c->looks_alive()) return c;
      c->close();
    }
    return nullptr;
  }

  net::io_context& io_;
  client_options options_;
  base_url url_;
  std::optional<ssl::context> tls_;
  strand_type strand_;
  std::deque<std::shared_ptr<connection>> idle_;
  std::deque<std::shared_ptr<exchange>> waiting_;
  std::size_t in_use_ = 0;
  bool closing_ = false;
  std::mutex endpoints_mutex_;
  tcp::resolver::results_type endpoints_;
  steady_clock::time_point endpoints_expiry_{};
};

/// One request from submission to reply: waits for a slot, (re)uses or opens a connection,
/// writes, reads, and calls back exactly once. Runs on its own strand.
class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(std::shared_ptr<transport> owner, http::request<http::string_body> req, bool idempotent,
           raw_done done)
      : owner_(std::move(owner)),
        strand_(net::make_strand(owner_->io())),
        deadline_(strand_),
        req_(std::move(req)),
        idempotent_(idempotent),
        done_(std::move(done)) {}

  strand_type& strand() { return strand_; }

  /// Starts the deadline and asks for a connection slot.
  void begin() {
    net::post(strand_, [self = shared_from_this()] {
      self->deadline_.expires_after(self->owner_->options().request_timeout);
      self->deadline_.async_wait([self](error_code ec) { self->on_deadline(ec); });
      self->owner_->acquire(self);
    });
  }

  /// Called (posted) when a slot is granted, with an idle connection or nullptr.
  void start(std::shared_ptr<connection> conn) {
    has_slot_ = true;
    conn_ = std::move(conn);
    if (expired_) {
      finish(timeout_reply(), conn_ != nullptr);  // an untouched idle connection goes back
      return;
    }
    if (conn_) {
      reused_ = true;
      write();
    } else {
      open_fresh();
    }
  }

  /// Called (posted) when the deadline passed while still queued for a slot.
  void expire_in_queue() { finish(timeout_reply(), false); }

 private:
  template <class F>
  auto on_strand(F&& f) {
    return net::bind_executor(strand_, std::forward<F>(f));
  }

  raw_reply timeout_reply() const {
    raw_reply r;
    r.error = "request timed out after " +
              std::to_string(owner_->options().request_timeout.count()) + " ms";
    return r;
  }

  void open_fresh() {
    reused_ = false;
    conn_ = owner_->make_connection();
    if (auto endpoints = owner_->cached_endpoints()) {
      connect(*endpoints);
      return;
    }
    const base_url& url = owner_->url();
    conn_->resolver().async_resolve(
        url.host, url.port,
        on_strand([self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
          if (ec) return self->fail("resolve", ec, true);
          self->owner_->remember_endpoints(r);
          self->connect(r);
        }));
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    net::async_connect(conn_->socket(), endpoints,
                       on_strand([self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                         self->on_connect(ec);
                       }));
  }

  void on_connect(error_code ec) {
    if (ec) {
      owner_->remember_endpoints({});  // the address may have moved: resolve next time
      return fail("connect", ec, true);
    }
    error_code ignored;
    conn_->socket().set_option(tcp::no_delay(true), ignored);
    auto* tls = conn_->secure();
    if (tls == nullptr) return write();
    const std::string& host = owner_->url().host;
    if (!is_ip_literal(host)) SSL_set_tlsext_host_name(tls->native_handle(), host.c_str());
    if (owner_->options().verify_peer) {
      tls->set_verify_mode(ssl::verify_peer);
      tls->set_verify_callback(ssl::host_name_verification(host));
    } else {
      tls->set_verify_mode(ssl::verify_none);
    }
    tls->async_handshake(ssl::stream_base::client,
                         on_strand([self = shared_from_this()](error_code ec) {
                           if (ec) return self->fail("TLS handshake", ec, true);
                           self->write();
                         }));
  }

  void write() {
    parser_.emplace();
    parser_->body_limit(max_response_body);
    conn_->with_stream([&](auto& stream) {
      http::async_write(stream, req_,
                        on_strand([self = shared_from_this()](error_code ec, std::size_t) {
                          self->on_write(ec);
                        }));
    });
  }

  void on_write(error_code ec) {
    if (ec) return fail("write", ec, true);
    conn_->with_stream([&](auto& stream) {
      http::async_read(stream, conn_->buffer(), *parser_,
                       on_strand([self = shared_from_this()](error_code read_ec, std::size_t) {
                         self->on_read(read_ec);
                       }));
    });
  }

  void on_read(error_code ec) {
    if (ec) {
      bool nothing_received = !parser_->got_some() && conn_->buffer().size() == 0;
      return fail("read", ec, nothing_received);
    }
    auto& res = parser_->get();
    raw_reply reply;
    reply.status = res.result_int();
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      std::optional<std::string_view> date;
      if (auto d = res.find(http::field::date); d != res.end())
        date = std::string_view(d->value().data(), d->value().size());
      reply.retry_after =
          parse_retry_after(std::string_view(it->value().data(), it->value().size()), date);
    }
    reply.body = std::move(res.body());
    bool reusable = parser_->keep_alive() && conn_->buffer().size() == 0;
    finish(std::move(reply), reusable);
  }

  // A transport failure. `before_response`: no byte of an answer arrived.
  void fail(const char* stage, error_code ec, bool before_response) {
    if (conn_) conn_->close();
    if (expired_) return finish(timeout_reply(), false);
    // A pooled connection the server had already dropped: safe to resend only requests
    // without side effects. A create may have reached the provider and is never resent.
    if (reused_ && before_response && idempotent_ && !retried_) {
      retried_ = true;
      return open_fresh();
    }
    raw_reply reply;
    reply.error = std::string(stage) + ": " + ec.message();
    if (before_response && (ec == http::error::end_of_stream || ec == net::error::eof ||
                            ec == net::error::connection_reset)) {
      reply.error =
          std::string(stage) + ": connection closed before any response (" + ec.message() + ")";
    }
    finish(std::move(reply), false);
  }

  void on_deadline(error_code ec) {
    if (ec == net::error::operation_aborted || finished_) return;
    expired_ = true;
    if (!has_slot_) {
      owner_->withdraw(shared_from_this());
    } else if (conn_) {
      conn_->close();  // the pending operation fails and fail() reports the timeout
    }
  }

  void finish(raw_reply reply, bool reusable) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    if (has_slot_) owner_->release(std::move(conn_), reusable);
    conn_.reset();
    auto done = std::move(done_);
    done(std::move(reply));
  }

  std::shared_ptr<transport> owner_;
  strand_type strand_;
  net::steady_timer deadline_;
  http::request<http::string_body> req_;
  bool idempotent_;
  raw_done done_;
  std::shared_ptr<connection> conn_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool has_slot_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool expired_ = false;
  bool finished_ = false;
};

void transport::send(http::request<http::string_body> req, bool idempotent, raw_done done) {
  std::make_shared<exchange>(shared_from_this(), std::move(req), idempotent, std::move(done))
      ->begin();
}

void transport::acquire_on_strand(std::shared_ptr<exchange> ex) {
  if (!has_free_slot()) {
    waiting_.push_back(std::move(ex));
    return;
  }
  ++in_use_;
  auto conn = take_idle();
  auto& ex_strand = ex->strand();
  net::post(ex_strand,
            [ex = std::move(ex), conn = std::move(conn)]() mutable { ex->start(std::move(conn)); });
}

void transport::withdraw(std::shared_ptr<exchange> ex) {
  net::post(strand_, [self = shared_from_this(), ex = std::move(ex)] {
    auto it = std::find(self->waiting_.begin(), self->waiting_.end(), ex);
    if (it == self->waiting_.end()) return;  // already granted: start() sees the expiry
    self->waiting_.erase(it);
    net::post(ex->strand(), [ex] { ex->expire_in_queue(); });
  });
}

/// The caller-facing summary of a raw reply.
provider_reply to_provider_reply(const raw_reply& raw) {
  provider_reply reply;
  reply.status = raw.status;
  reply.retry_after = raw.retry_after;
  if (raw.status == 0) {
    reply.error = raw.error;
  } else if (!reply.ok()) {
    reply.error = decode_error_message(raw.body);
    if (reply.error.empty()) {
      reply.error = "HTTP " + std::to_string(raw.status);
      if (!raw.body.empty()) reply.error += ": " + raw.body.substr(0, 200);
    }
  }
  return reply;
}

/// `done`, preceded by telling the options' observer how the request went.
raw_done observed(const client_options& options, std::string_view operation, raw_done done) {
  if (!options.on_request_done) return done;
  return [observe = options.on_request_done, operation, started = steady_clock::now(),
          done = std::move(done)](raw_reply raw) {
    observe(
        request_observation{operation, raw.status,
                            std::chrono::duration<double>(steady_clock::now() - started).count()});
    done(std::move(raw));
  };
}

}  // namespace

struct client::impl : transport {
  using transport::transport;
};

client::client(boost::asio::io_context& io, client_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

client::~client() {
  if (impl_) impl_->shutdown();
}

void client::create_phone_call(const create_call_request& req, call_done done) {
  auto request =
      impl_->make_request(http::verb::post, "/v2/create-phone-call", encode_create_call(req));
  impl_->send(
      std::move(request), /*idempotent=*/false,
      observed(impl_->options(), "create_phone_call", [done = std::move(done)](raw_reply raw) {
        provider_reply reply = to_provider_reply(raw);
        std::optional<provider_call> call;
        if (raw.status == 200 || raw.status == 201) {
          call = decode_call(raw.body);
          if (!call) reply.error = "unreadable call object in the answer";
        }
        done(std::move(reply), std::move(call));
      }));
}

void client::get_call(const std::string& call_id, call_done done) {
  auto request =
      impl_->make_request(http::verb::get, "/v2/get-call/" + encode_path_segment(call_id), {});
  impl_->send(std::move(request), /*idempotent=*/true,
              observed(impl_->options(), "get_call", [done = std::move(done)](raw_reply raw) {
                provider_reply reply = to_provider_reply(raw);
                std::optional<provider_call> call;
                if (raw.status == 200) {
                  call = decode_call(raw.body);
                  if (!call) reply.error = "unreadable call object in the answer";
                }
                done(std::move(reply), std::move(call));
              }));
}

void client::list_calls_by_metadata(const std::string& key, const std::string& value,
                                    calls_done done) {
  auto request = impl_->make_request(http::verb::post, "/v2/list-calls",
                                     encode_list_calls_by_metadata(key, value));
  // list-calls only reads, so it may be resent like a GET.
  impl_->send(std::move(request), /*idempotent=*/true,
              observed(impl_->options(), "list_calls", [done = std::move(done)](raw_reply raw) {
                provider_reply reply = to_provider_reply(raw);
                std::vector<provider_call> calls;
                if (reply.ok()) {
                  if (auto decoded = decode_call_list(raw.body)) {
                    calls = std::move(*decoded);
                  } else {
                    reply.error = "unreadable call list in the answer";
                  }
                }
                done(std::move(reply), std::move(calls));
              }));
}

void client::get_concurrency(concurrency_done done) {
  auto request = impl_->make_request(http::verb::get, "/get-concurrency", {});
  impl_->send(
      std::move(request), /*idempotent=*/true,
      observed(impl_->options(), "get_concurrency", [done = std::move(done)](raw_reply raw) {
        provider_reply reply = to_provider_reply(raw);
        concurrency_view view;
        if (reply.ok()) {
          if (auto decoded = decode_concurrency(raw.body)) {
            view = *decoded;
          } else {
            reply.error = "unreadable concurrency answer";
          }
        }
        done(std::move(reply), view.current, view.limit);
      }));
}

}  // namespace dialer::retell
