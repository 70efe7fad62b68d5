#include "test_http_server.hpp"

#include <stdexcept>
#include <type_traits>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace dialer::retell::test {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = ssl::stream<tcp::socket>;

tcp::socket& lowest(tcp::socket& s) {
  return s;
}
tcp::socket& lowest(tls_stream& s) {
  return s.next_layer();
}

/// One accepted connection: reads requests and answers each as the handler says.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
 public:
  session(std::shared_ptr<test_http_server::shared_state> state, Stream stream,
          std::size_t connection_no)
      : state_(std::move(state)), stream_(std::move(stream)), connection_no_(connection_no) {
    auto open = ++state_->open;
    auto peak = state_->peak_open.load();
    while (open > peak && !state_->peak_open.compare_exchange_weak(peak, open)) {
    }
  }
  ~session() { --state_->open; }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (!ec) self->on_request();
                     });
  }

  void on_request() {
    seen_request seen;
    seen.method = std::string(request_.method_string());
    seen.target = std::string(request_.target());
    seen.authorization = std::string(request_[http::field::authorization]);
    seen.content_type = std::string(request_[http::field::content_type]);
    seen.host = std::string(request_[http::field::host]);
    seen.user_agent = std::string(request_[http::field::user_agent]);
    seen.body = request_.body();
    seen.connection_no = connection_no_;
    seen.nth_on_connection = served_++;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->seen.push_back(seen);
    }
    ++state_->requests;
    canned_reply reply = state_->handler(seen);
    switch (reply.action) {
      case server_action::close_without_answer: {
        error_code ignored;
        lowest(stream_).close(ignored);
        return;
      }
      case server_action::hang:
        // Wait for the client to give up and close; nothing is ever sent.
        lowest(stream_).async_read_some(
            net::buffer(sink_), [self = this->shared_from_this()](error_code, std::size_t) {});
        return;
      case server_action::respond:
        break;
    }
    response_ = {};
    response_.version(11);
    response_.result(reply.status);
    response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.keep_alive(reply.keep_alive && request_.keep_alive());
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) return self->read();
                        error_code ignored;
                        lowest(self->stream_).shutdown(tcp::socket::shutdown_both, ignored);
                        lowest(self->stream_).close(ignored);
                      });
  }

  std::shared_ptr<test_http_server::shared_state> state_;
  Stream stream_;
  std::size_t connection_no_;
  std::size_t served_ = 0;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  char sink_[64] = {};
};

}  // namespace

test_http_server::test_http_server(request_handler handler, ssl::context* tls)
    : state_(std::make_shared<shared_state>()), tls_(tls), acceptor_(io_) {
  state_->handler = std::move(handler);
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

test_http_server::~test_http_server() {
  io_.stop();
  thread_.join();
}

std::string test_http_server::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<seen_request> test_http_server::seen() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->seen;
}

void test_http_server::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) return;
    std::size_t no = ++state_->connections;
    if (tls_ != nullptr) {
      std::make_shared<session<tls_stream>>(state_, tls_stream(std::move(socket), *tls_), no)
          ->run();
    } else {
      std::make_shared<session<tcp::socket>>(state_, std::move(socket), no)->run();
    }
    accept();
  });
}

self_signed_certificate make_self_signed_certificate() {
  auto fail = [](const char* what) { return std::runtime_error(std::string("openssl: ") + what); };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) throw fail("key generation");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!cert) throw fail("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) throw fail("extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw fail("X509_sign");

  auto to_pem = [&](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || write(bio.get()) != 1) throw fail("PEM write");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
  };
  self_signed_certificate out;
  out.certificate_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  out.private_key_pem = to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace dialer::retell::test
