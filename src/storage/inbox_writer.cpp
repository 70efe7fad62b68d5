#include "storage/inbox_writer.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace dialer::storage {

inbox_writer::inbox_writer(database& db, std::size_t max_group)
    : db_(db), max_group_(std::max<std::size_t>(max_group, 1)), thread_([this] { run(); }) {}

inbox_writer::~inbox_writer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void inbox_writer::submit(inbox_entry entry, done_fn done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(std::move(entry), std::move(done));
  }
  wake_.notify_one();
}

void inbox_writer::run() {
  for (;;) {
    std::vector<std::pair<inbox_entry, done_fn>> group;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is stored
      auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_group_));
      group.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    std::vector<inbox_entry> entries;
    entries.reserve(group.size());
    for (auto& g : group) entries.push_back(std::move(g.first));
    std::vector<std::optional<inbox_receipt>> outcome(entries.size());
    try {
      auto receipts = store_webhooks(db_, entries);
      for (std::size_t i = 0; i < entries.size(); ++i) outcome[i] = receipts[i];
    } catch (const storage_error&) {
      // One bad entry must not sink the others: store them one by one. Those that fail again
      // are answered "unavailable", and the provider sends them again.
      for (std::size_t i = 0; entries.size() > 1 && i < entries.size(); ++i) {
        try {
          outcome[i] = store_webhooks(db_, {entries[i]}).front();
        } catch (const storage_error&) {
          outcome[i].reset();
        }
      }
    }
    for (std::size_t i = 0; i < group.size(); ++i) group[i].second(outcome[i]);
  }
}

}  // namespace dialer::storage
