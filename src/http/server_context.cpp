#include "http/server_context.hpp"

#include <vector>


namespace dialer::http {

server_context::server_context(server_options options, const router& routes)
    : options_(std::move(options)), routes_(routes) {}

bool server_context::add(std::shared_ptr<open_connection> session) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return false;
  const open_connection* key = session.get();
  sessions_.emplace(key, std::move(session));
  return true;
}

void server_context::remove(const open_connection* session) {
  std::shared_ptr<open_connection> last;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  last = std::move(it->second);
  sessions_.erase(it);
}

void server_context::close_all() {
  std::vector<std::shared_ptr<open_connection>> open;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    open.reserve(sessions_.size());
    for (const auto& entry : sessions_) open.push_back(entry.second);
  }
  for (const auto& s : open) s->close();
}

void server_context::forget_all() {
  std::unordered_map<const open_connection*, std::shared_ptr<open_connection>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  dropped.swap(sessions_);
}

bool server_context::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

std::size_t server_context::open_sessions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

}  // namespace dialer::http
