#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dialer::actors {

/// Where actors send blocking work: a thread pool in production, the caller's own thread in
/// deterministic tests.
class job_runner {
 public:
  virtual ~job_runner() = default;
  /// Runs `job` some time later (or now); never blocks on other jobs.
  virtual void post(std::function<void()> job) = 0;
};

/// A few threads that run blocking work (libpqxx calls) so that no CAF worker or Asio thread
/// ever blocks on the database. Jobs send their results back to actors as messages.
class blocking_pool final : public job_runner {
 public:
  /// Starts `threads` workers.
  explicit blocking_pool(std::size_t threads);
  /// Finishes queued jobs, then joins the workers.
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  /// Queues a job; never blocks the caller.
  void post(std::function<void()> job) override;

  /// Jobs queued and not yet started.
  std::size_t backlog() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dialer::actors
