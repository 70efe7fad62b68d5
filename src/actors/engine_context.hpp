#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "actors/blocking_pool.hpp"
#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "core/compliance_policy.hpp"
#include "storage/write_lane.hpp"

namespace dialer::actors {

class engine_store;

/// Standby dials (journalled ahead of a free line) not sent yet, across the engine: when the
/// engine stops, it withdraws those still waiting, so that a restart does not find them in
/// doubt and count an attempt no call was made for. Thread-safe.
class standby_book {
 public:
  /// A standby is durable in the journal.
  void add(const dial_attempt& a);
  /// A standby is being sent or was withdrawn: out of the book; true when it was waiting. The
  /// one who takes it decides its fate: a campaign sends no standby someone else took.
  bool take(id_t attempt_id);
  /// Takes the waiting standby of one of the tenant's leads, if any.
  std::optional<dial_attempt> take_lead(id_t tenant_id, id_t lead_id);
  /// Every standby still waiting, forgetting them.
  std::vector<dial_attempt> take_all();
  /// How many standbys of the tenant's campaign are waiting.
  std::size_t waiting_in(id_t tenant_id, id_t campaign_id) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<id_t, dial_attempt> waiting_;
};

/// How many times each tenant's compliance rules (its overrides of country rules) changed since
/// the engine started: a rule book compiled before the latest change must not decide a dial.
/// Thread-safe.
class rule_version_book {
 public:
  /// The tenant's current version (0 until its rules first change).
  std::uint64_t of(id_t tenant_id) const;
  /// The tenant's rules changed (committed): books compiled before are stale.
  void bump(id_t tenant_id);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<id_t, std::uint64_t> versions_;
};

/// What every actor of the engine shares: the journal, where blocking work runs, the clock, the
/// metrics, and the long-lived actors it talks to.
struct engine_context {
  engine_store* store = nullptr;
  job_runner* pool = nullptr;
  const clock_source* clock = nullptr;
  engine_metrics* metrics = nullptr;
  const compliance_policy* policy = nullptr;
  engine_options options;
  caf::actor gateway;  ///< the platform account's provider gateway
  /// The provider account registry (provider_accounts.hpp): which gateway places a tenant's
  /// calls. Null (most actor tests): every call goes through `gateway`.
  caf::actor accounts;
  caf::actor root;
  caf::actor events;  ///< the event hub (live events); null when none runs (most actor tests)
  std::shared_ptr<standby_book> standbys = std::make_shared<standby_book>();
  std::shared_ptr<rule_version_book> rule_versions = std::make_shared<rule_version_book>();
};

using context_ptr = std::shared_ptr<engine_context>;

/// Runs the storage jobs of one actor in order, one at a time (on the storage writer, else on
/// the blocking pool); a job that fails is retried after options.storage_retry so that no
/// write is dropped while the database is away. The owner forwards job_done_atom and
/// pump_atom messages to on_done/pump.
class serial_jobs {
 public:
  /// Queues `work` (storage writes and reads only: it may run twice) and `after`, which runs
  /// on the actor once `work` is durable.
  void add(caf::event_based_actor* self, const engine_context& ctx, std::function<void()> work,
           std::function<void()> after = {});
  /// Handles the end of the running job.
  void on_done(caf::event_based_actor* self, const engine_context& ctx, bool ok);
  /// Starts the next job if none runs.
  void pump(caf::event_based_actor* self, const engine_context& ctx);
  /// True when nothing is queued or running.
  bool idle() const { return !running_ && queue_.empty(); }

 private:
  struct job {
    std::function<void()> work;
    std::function<void()> after;
  };
  /// A vector, not a deque: every call actor has one, and an empty deque already allocates
  /// about 600 bytes. It holds a handful of jobs at most.
  std::vector<job> queue_;
  bool running_ = false;
};

/// Runs `writes` (storage writes and reads only: they may run twice) and then `then` once they
/// are durable: in a group of the storage writer when the store has one (no pool thread waits
/// for the commit), else on the pool. `on_error` runs instead when they failed. `lane`: urgent
/// writes (a dial about to be sent) go before the others waiting for the writer.
void run_write(const engine_context& ctx, std::function<void()> writes, std::function<void()> then,
               std::function<void()> on_error = {},
               storage::write_lane lane = storage::write_lane::ordinary);

/// Runs one blocking job on the pool; the job sends its own result to its actor. When it
/// throws, the error is logged and `on_error` (if set) runs on the pool thread.
void run_blocking(const engine_context& ctx, std::function<void()> job,
                  std::function<void()> on_error = {});

}  // namespace dialer::actors
