#include "storage/group_commit.hpp"

#include <algorithm>
#include <future>
#include <memory>

namespace dialer::storage {

group_commit::group_commit(database& db, std::size_t writers, std::size_t max_group)
    : db_(db), max_group_(std::max<std::size_t>(max_group, 1)) {
  auto count = std::max<std::size_t>(writers, 1);
  for (std::size_t i = 0; i < count; ++i) {
    bool urgent_only = count > 1 && i == 0;
    writers_.emplace_back([this, urgent_only] { write_loop(urgent_only); });
  }
}

group_commit::~group_commit() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  wake_urgent_.notify_all();
  for (auto& t : writers_) t.join();
}

void group_commit::run(std::function<void()> job) {
  auto committed = std::make_shared<std::promise<void>>();
  auto result = committed->get_future();
  submit(std::move(job), [committed](std::exception_ptr error) {
    if (error)
      committed->set_exception(error);
    else
      committed->set_value();
  });
  result.get();
}

void group_commit::submit(std::function<void()> job, done_fn done, write_lane lane) {
  bool urgent = lane == write_lane::urgent;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw storage_error("the journal writer is stopping");
    (urgent ? urgent_ : queue_).push_back(pending{std::move(job), std::move(done)});
  }
  // Whichever writer is free first takes an urgent job.
  if (urgent) wake_urgent_.notify_one();
  wake_.notify_one();
}

std::uint64_t group_commit::groups() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return groups_;
}

std::uint64_t group_commit::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_;
}

std::size_t group_commit::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return urgent_.size() + queue_.size();
}

void group_commit::write_loop(bool urgent_only) {
  auto& wake = urgent_only ? wake_urgent_ : wake_;
  for (;;) {
    std::vector<pending> group;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto work = [&] { return !urgent_.empty() || (!urgent_only && !queue_.empty()); };
      wake.wait(lock, [&] { return stopping_ || work(); });
      if (!work()) return;  // stopping, nothing left for this writer
      auto take_from = [&](std::deque<pending>& from) {
        while (!from.empty() && group.size() < max_group_) {
          group.push_back(std::move(from.front()));
          from.pop_front();
        }
      };
      take_from(urgent_);
      if (!urgent_only) take_from(queue_);
    }
    std::vector<std::function<void()>> jobs;
    jobs.reserve(group.size());
    for (auto& p : group) jobs.push_back(std::move(p.job));
    std::vector<std::exception_ptr> errors;
    std::exception_ptr group_error;
    try {
      db_.transact_group(jobs, errors);
    } catch (...) {
      group_error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++groups_;
      jobs_ += group.size();
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      std::exception_ptr error = i < errors.size() && errors[i] ? errors[i] : group_error;
      try {
        group[i].done(error);
      } catch (...) {
        // A caller's follow-up failed: nothing the writer can do about it; the others go on.
      }
    }
  }
}

}  // namespace dialer::storage
