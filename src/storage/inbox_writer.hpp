#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "storage/database.hpp"
#include "storage/webhook_inbox.hpp"

namespace dialer::storage {

/// Group commit of the webhook inbox: callers on any thread hand in verified webhooks; one
/// writer thread finds their attempts and stores everything waiting in one statement and one
/// transaction (one commit, one WAL flush), then tells each caller, so a webhook is answered
/// only after its own row is durable.
class inbox_writer {
 public:
  /// Told after the commit: what storing the entry did; nullopt when the database failed for
  /// it (nothing of it was stored).
  using done_fn = std::function<void(std::optional<inbox_receipt>)>;

  /// Starts the writer thread; at most `max_group` webhooks go in one transaction.
  explicit inbox_writer(database& db, std::size_t max_group = 256);
  /// Stores what is still queued, then stops the thread.
  ~inbox_writer();
  inbox_writer(const inbox_writer&) = delete;
  inbox_writer& operator=(const inbox_writer&) = delete;

  /// Queues one webhook; `done` runs on the writer thread after the commit.
  void submit(inbox_entry entry, done_fn done);

 private:
  void run();

  database& db_;
  std::size_t max_group_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<inbox_entry, done_fn>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dialer::storage
