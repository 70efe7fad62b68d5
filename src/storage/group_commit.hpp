#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/write_lane.hpp"

namespace dialer::storage {

/// Group commit of the engine's journal writes (DESIGN.md's storage writer). Threads hand in
/// jobs that write through the storage functions; writer threads run every job waiting in one
/// transaction (database::transact_group), commit once, and only then let each caller go on,
/// so a caller never acts on a write that is not durable, and a burst of writes costs one WAL
/// flush instead of one each.
class group_commit {
 public:
  /// Starts `writers` writer threads (each with its own connection from `db`); at most
  /// `max_group` jobs go in one transaction. With two writers or more, one of them takes only
  /// urgent jobs, so an urgent job never waits for a group of ordinary ones to commit.
  group_commit(database& db, std::size_t writers = 1, std::size_t max_group = 256);
  /// Runs what is still queued, then stops the writers.
  ~group_commit();
  group_commit(const group_commit&) = delete;
  group_commit& operator=(const group_commit&) = delete;

  /// Told on a writer thread once a job's group ended: nullptr after its commit, else the
  /// job's own error (the rest of the group is not affected) or the group's commit error.
  using done_fn = std::function<void(std::exception_ptr)>;

  /// Runs `job` in the next group and returns after that group committed; rethrows the job's
  /// own error or the group's commit error.
  void run(std::function<void()> job);

  /// Queues `job` for the next group and returns at once; `done` follows the group's end.
  /// `done` must not block: it runs on the writer thread, before the next group. Urgent jobs
  /// go into groups before every ordinary job waiting.
  void submit(std::function<void()> job, done_fn done, write_lane lane = write_lane::ordinary);

  /// Groups committed so far and the jobs they held (for benchmarks and tests).
  std::uint64_t groups() const;
  std::uint64_t jobs() const;
  /// Jobs handed in and not yet taken by a writer.
  std::size_t waiting() const;

 private:
  struct pending {
    std::function<void()> job;
    done_fn done;
  };

  /// A writer's loop; `urgent_only`: the writer kept for urgent jobs.
  void write_loop(bool urgent_only);

  database& db_;
  std::size_t max_group_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;         // writers that take any job
  std::condition_variable wake_urgent_;  // the writer kept for urgent jobs
  std::deque<pending> urgent_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  std::uint64_t groups_ = 0;
  std::uint64_t jobs_ = 0;
  std::vector<std::thread> writers_;
};

}  // namespace dialer::storage
