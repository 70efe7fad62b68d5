#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/bounded_outbox.hpp"
#include "http/message.hpp"
#include "http/server_context.hpp"
#include "http/websocket_channel.hpp"

namespace dialer::http {

/// One WebSocket connection, taken over from an http_session after a handler accepted the
/// upgrade. Writes come from one bounded queue with a single write in flight; a client whose
/// queue overflows is closed with 1013. Beast's own timeouts send keep-alive pings and drop a
/// silent peer. Everything runs on the connection's strand; other threads only queue messages
/// and ask for a close.
class websocket_session final : public open_connection,
                                public websocket_channel,
                                public std::enable_shared_from_this<websocket_session> {
 public:
  /// A session over the upgraded connection of `context`'s server.
  websocket_session(boost::beast::tcp_stream&& stream, std::shared_ptr<server_context> context);
  ~websocket_session() override;
  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Answers the upgrade `req`, then hands the channel to `accept` and starts reading.
  void run(boost::beast::http::request<boost::beast::http::empty_body> req,
           websocket_acceptor accept);

  /// Closes with 1001 (going away): the server is stopping.
  void close() override;

  send_result send(std::string text) override;
  void close_with(std::uint16_t code, std::string reason) override;
  void on_message(std::function<void(websocket_channel&, std::string)> fn) override;
  void on_closed(std::function<void()> fn) override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void begin_close();
  void on_close(boost::beast::error_code ec);
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<server_context> context_;
  boost::beast::flat_buffer read_buffer_;
  boost::asio::steady_timer close_deadline_;
  boost::beast::http::request<boost::beast::http::empty_body> upgrade_request_;
  websocket_acceptor accept_;
  std::function<void(websocket_channel&, std::string)> on_message_;
  std::function<void()> on_closed_;

  // Strand only.
  std::string writing_;  ///< the message being written
  bool write_in_flight_ = false;
  bool accepted_ = false;
  bool close_started_ = false;
  bool finished_ = false;

  // Guarded by mutex_: touched by send() and close_with() from any thread.
  std::mutex mutex_;
  bounded_outbox outbox_;
  bool write_posted_ = false;  ///< a do_write is posted or a write chain is running
  bool closing_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
};

}  // namespace dialer::http
