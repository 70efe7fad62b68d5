#include "core/bounded_outbox.hpp"

namespace dialer {

bool bounded_outbox::offer(std::string message) {
  if (messages_.size() >= limits_.max_messages) return false;
  if (bytes_ + message.size() > limits_.max_bytes) return false;
  bytes_ += message.size();
  messages_.push_back(std::move(message));
  return true;
}

std::optional<std::string> bounded_outbox::take() {
  if (messages_.empty()) return std::nullopt;
  std::string m = std::move(messages_.front());
  messages_.pop_front();
  bytes_ -= m.size();
  return m;
}

void bounded_outbox::clear() {
  messages_.clear();
  bytes_ = 0;
}

}  // namespace dialer
