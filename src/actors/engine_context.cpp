#include "actors/engine_context.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"

namespace dialer::actors {

void serial_jobs::add(caf::event_based_actor* self, const engine_context& ctx,
                      std::function<void()> work) {
  queue_.push_back(std::move(work));
  pump(self, ctx);
}

void serial_jobs::pump(caf::event_based_actor* self, const engine_context& ctx) {
  if (running_ || queue_.empty()) return;
  running_ = true;
  auto me = caf::actor_cast<caf::actor>(self);
  auto work = queue_.front();
  ctx.pool->post([me, work] {
    bool ok = true;
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::warn("storage job failed, will retry: {}", e.what());
      ok = false;
    }
    caf::anon_send(me, job_done_atom::value, ok);
  });
}

void serial_jobs::on_done(caf::event_based_actor* self, const engine_context& ctx, bool ok) {
  running_ = false;
  if (ok) {
    queue_.pop_front();
    pump(self, ctx);
    return;
  }
  ctx.metrics->storage_retry();
  self->delayed_send(caf::actor_cast<caf::actor>(self), ctx.options.storage_retry,
                     pump_atom::value);
}

void run_blocking(const engine_context& ctx, std::function<void()> job,
                  std::function<void()> on_error) {
  ctx.pool->post([job, on_error] {
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("blocking job failed: {}", e.what());
      if (on_error) on_error();
    }
  });
}

}  // namespace dialer::actors
