#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace dialer {

/// How much one client's outgoing queue may hold before the client counts as too slow.
struct outbox_limits {
  std::size_t max_messages = 1024;
  std::size_t max_bytes = 4 << 20;
};

/// A client's queue of outgoing messages that never grows past its limits: a message that
/// does not fit is refused (never buffered), and the caller then drops the client (WebSocket
/// close code 1013). Not thread-safe; its owner guards it.
class bounded_outbox {
 public:
  /// An empty queue with these limits.
  explicit bounded_outbox(outbox_limits limits) : limits_(limits) {}

  /// Appends `message` when it fits; false (and nothing queued) when it would exceed a limit.
  bool offer(std::string message);

  /// Removes and returns the oldest message, if any.
  std::optional<std::string> take();

  /// Drops everything queued.
  void clear();

  /// Messages queued.
  std::size_t size() const { return messages_.size(); }
  /// Bytes queued.
  std::size_t bytes() const { return bytes_; }
  /// True when nothing is queued.
  bool empty() const { return messages_.empty(); }

 private:
  outbox_limits limits_;
  std::deque<std::string> messages_;
  std::size_t bytes_ = 0;
};

}  // namespace dialer
