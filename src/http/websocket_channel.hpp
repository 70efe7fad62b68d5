#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace dialer::http {

/// What a handler sees of an accepted WebSocket connection: a thread-safe, bounded outgoing
/// queue of text messages and callbacks for what the client sends. No Beast here.
class websocket_channel {
 public:
  virtual ~websocket_channel() = default;

  /// The fate of a message handed to send().
  enum class send_result {
    queued,    ///< it will be written after every message queued before it
    overflow,  ///< the queue was full: the client is being closed with 1013 (try again later)
    closed,    ///< the connection is closing or closed: the message is dropped
  };

  /// Queues a text message; callable from any thread, never blocks, never queues without bound.
  virtual send_result send(std::string text) = 0;
  /// Closes the connection with `code` and `reason` after dropping anything still queued;
  /// callable from any thread.
  virtual void close_with(std::uint16_t code, std::string reason) = 0;
  /// Sets what runs (on the connection's strand) for each text message the client sends.
  /// Set it only from the accept callback.
  virtual void on_message(std::function<void(websocket_channel&, std::string)> fn) = 0;
  /// Sets what runs (on the connection's strand) once the connection is closed, whatever closed
  /// it. Set it only from the accept callback.
  virtual void on_closed(std::function<void()> fn) = 0;
};

}  // namespace dialer::http
