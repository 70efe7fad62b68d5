#include "actors/engine_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "actors/engine_store.hpp"
#include "actors/messages.hpp"

namespace dialer::actors {

void standby_book::add(const dial_attempt& a) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_[a.attempt_id] = a;
}

bool standby_book::take(id_t attempt_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.erase(attempt_id) > 0;
}

std::optional<dial_attempt> standby_book::take_lead(id_t tenant_id, id_t lead_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->second.tenant_id != tenant_id || it->second.lead_id != lead_id) continue;
    auto a = std::move(it->second);
    waiting_.erase(it);
    return a;
  }
  return std::nullopt;
}

std::vector<dial_attempt> standby_book::take_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<dial_attempt> out;
  out.reserve(waiting_.size());
  for (auto& [id, a] : waiting_) out.push_back(std::move(a));
  waiting_.clear();
  return out;
}

std::size_t standby_book::waiting_in(id_t tenant_id, id_t campaign_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(waiting_.begin(), waiting_.end(), [&](const auto& entry) {
        return entry.second.tenant_id == tenant_id && entry.second.campaign_id == campaign_id;
      }));
}

std::uint64_t rule_version_book::of(id_t tenant_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = versions_.find(tenant_id);
  return it == versions_.end() ? 0 : it->second;
}

void rule_version_book::bump(id_t tenant_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++versions_[tenant_id];
}

namespace {

using steady = std::chrono::steady_clock;

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

void serial_jobs::add(caf::event_based_actor* self, const engine_context& ctx,
                      std::function<void()> work, std::function<void()> after) {
  queue_.push_back(job{std::move(work), std::move(after)});
  pump(self, ctx);
}

void serial_jobs::pump(caf::event_based_actor* self, const engine_context& ctx) {
  if (running_ || queue_.empty()) return;
  running_ = true;
  auto me = caf::actor_cast<caf::actor>(self);
  run_write(
      ctx, queue_.front().work, [me] { caf::anon_send(me, job_done_atom::value, true); },
      [me] { caf::anon_send(me, job_done_atom::value, false); });
}

void serial_jobs::on_done(caf::event_based_actor* self, const engine_context& ctx, bool ok) {
  running_ = false;
  if (ok) {
    auto after = std::move(queue_.front().after);
    queue_.erase(queue_.begin());
    // An idle queue keeps no buffer: a call actor waits most of its life with nothing queued.
    if (queue_.empty()) std::vector<job>().swap(queue_);
    if (after) after();
    pump(self, ctx);
    return;
  }
  ctx.metrics->storage_retry();
  self->delayed_send(caf::actor_cast<caf::actor>(self), ctx.options.storage_retry,
                     pump_atom::value);
}

void run_write(const engine_context& ctx, std::function<void()> writes, std::function<void()> then,
               std::function<void()> on_error, storage::write_lane lane) {
  auto* metrics = ctx.metrics;
  auto queued = steady::now();
  auto started = std::make_shared<steady::time_point>(queued);
  auto timed = [writes = std::move(writes), started] {
    *started = steady::now();
    writes();
  };
  auto done = [metrics, queued, started, then, on_error](bool ok) {
    metrics->storage_job(seconds_between(queued, *started),
                         seconds_between(*started, steady::now()), ok);
    if (ok)
      then();
    else if (on_error)
      on_error();
  };
  if (ctx.store->write_async(timed, done, lane)) return;
  ctx.pool->post([timed, done] {
    bool ok = true;
    try {
      timed();
    } catch (const std::exception& e) {
      spdlog::warn("storage job failed, will retry: {}", e.what());
      ok = false;
    }
    done(ok);
  });
}

void run_blocking(const engine_context& ctx, std::function<void()> job,
                  std::function<void()> on_error) {
  auto* metrics = ctx.metrics;
  ctx.pool->post([job, on_error, metrics, queued = steady::now()] {
    auto started = steady::now();
    try {
      job();
    } catch (const std::exception& e) {
      metrics->storage_job(seconds_between(queued, started),
                           seconds_between(started, steady::now()), false);
      spdlog::error("blocking job failed: {}", e.what());
      if (on_error) on_error();
      return;
    }
    metrics->storage_job(seconds_between(queued, started), seconds_between(started, steady::now()),
                         true);
  });
}

}  // namespace dialer::actors
