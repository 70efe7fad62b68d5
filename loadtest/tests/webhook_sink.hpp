#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dialer::sim::testing {

/// A webhook target for tests: records each request and answers with scripted statuses.
class webhook_sink {
 public:
  /// One received webhook.
  struct received {
    std::string body;
    std::string signature;
  };

  /// Listens on 127.0.0.1 at a free port.
  explicit webhook_sink(boost::asio::io_context& io)
      : io_(io), acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
  }

  /// The target URL.
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
  }

  /// Statuses for the next requests, in order; 204 once they run out.
  std::deque<unsigned> script;
  /// Everything received, in arrival order.
  std::vector<received> requests;
  /// Connections accepted.
  int connections = 0;
  /// Close each connection right after answering, while still advertising keep-alive (like a
  /// server whose idle timeout has just expired).
  bool close_after_answer = false;

  /// Runs `io` until `done()` holds or `limit` passes; returns done().
  static bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                        std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    return done();
  }

 private:
  struct session : std::enable_shared_from_this<session> {
    session(boost::asio::ip::tcp::socket s, webhook_sink& owner)
        : stream(std::move(s)), sink(owner) {}
    void read() {
      request = {};
      boost::beast::http::async_read(
          stream, buffer, request,
          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (ec) return;
            self->sink.requests.push_back(
                {self->request.body(), std::string(self->request["x-retell-signature"])});
            unsigned status = 204;
            if (!self->sink.script.empty()) {
              status = self->sink.script.front();
              self->sink.script.pop_front();
            }
            self->response = {};
            self->response.version(11);
            self->response.result(status);
            self->response.keep_alive(true);
            self->response.prepare_payload();
            boost::beast::http::async_write(
                self->stream, self->response,
                [self](boost::system::error_code write_ec, std::size_t) {
                  if (write_ec) return;
                  if (self->sink.close_after_answer) {
                    self->stream.close();
                    return;
                  }
                  self->read();
                });
          });
    }
    boost::asio::ip::tcp::socket stream;
    webhook_sink& sink;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::empty_body> response;
  };

  void accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (ec) return;
          ++connections;
          std::make_shared<session>(std::move(socket), *this)->read();
          accept();
        });
  }

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace dialer::sim::testing
