#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/domain.hpp"
#include "core/live_event.hpp"
#include "core/provider_account.hpp"

namespace dialer {
class compliance_policy;
}

namespace dialer::storage {
class database;
}
namespace dialer::retell {
class client;
}

namespace dialer::actors {

class engine_metrics;
class event_sink;

/// Tuning of the actor runtime.
struct engine_options {
  std::size_t scheduler_threads = 2;  ///< CAF worker threads
  /// How idle CAF workers wait: "sharing" (one queue; a worker sleeps until work comes) or
  /// "stealing" (workers poll, sleeping 50 us between polls: many wake-ups when nearly idle).
  std::string scheduler_policy = "sharing";
  std::size_t storage_threads = 32;  ///< blocking database workers
  std::size_t journal_writers = 4;   ///< group-commit threads of the journal (0: none)
  std::int32_t hopper_batch = 200;   ///< leads fetched per refill
  /// Dials each campaign journals ahead of a free line (standbys), sent the moment one frees.
  std::int32_t standby_dials = 0;
  /// A standby older than this when a line frees is withdrawn (its DNC and consent facts are
  /// re-read by a new journal write) instead of sent.
  std::chrono::milliseconds standby_max_age{10'000};
  std::chrono::milliseconds call_grace{30'000};      ///< wait for call_analyzed after the end
  std::chrono::milliseconds idle_recheck{30'000};    ///< longest sleep of an idle campaign
  std::chrono::milliseconds storage_retry{500};      ///< wait before retrying a failed write
  std::chrono::milliseconds call_watchdog{120'000};  ///< no line release by then: ask get-call
  /// Lines of the platform account; 0: read from the provider (get-concurrency) at start.
  std::int64_t account_concurrency = 0;
  /// Calls per second from a caller number the tenant has not registered.
  double unregistered_number_calls_per_second = 1;
  std::int32_t max_restarts = 5;                     ///< restarts of one campaign actor allowed...
  std::chrono::milliseconds restart_window{60'000};  ///< ...within this window, else paused
};

/// Builds the provider client of a tenant's own account: the platform client's I/O context and
/// options with the account's key and base URL (the platform's when it has none). Throws
/// std::invalid_argument when the account cannot be used.
using provider_client_factory =
    std::function<std::shared_ptr<retell::client>(const provider_account&)>;

/// The actor runtime seen from outside: HTTP handlers and main talk to it through this
/// facade so that CAF headers stay out of their translation units.
class engine {
 public:
  /// Wires the engine; nothing runs until start(). `provider` is the platform account's client;
  /// `own_accounts` builds the client of each tenant that has its own provider key.
  engine(storage::database& db, retell::client& provider, provider_client_factory own_accounts,
         const clock_source& clock, engine_metrics& metrics, const compliance_policy& policy,
         engine_options options);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Recovers from the journal (dialing attempts become in_doubt), resumes running campaigns
  /// and replays stored webhooks not yet applied. Blocks on the database; call from main.
  void start();
  /// Stops every actor; calls in flight are left to the journal for the next start.
  void stop();

  /// A campaign's status was changed through the API (already committed).
  void campaign_status_changed(id_t tenant_id, id_t campaign_id, campaign_status status);

  /// A tenant's provider settings changed (already committed): its new calls use the new
  /// account (or the platform's when the key was removed); calls in flight finish on theirs.
  void provider_account_changed(id_t tenant_id);
  /// The tenant's shared limits changed (committed): its actor reads them again.
  void tenant_limits_changed(id_t tenant_id);
  /// The tenant's DNC list grew (committed): its campaigns withdraw the standby dials they
  /// decided on the old list.
  void compliance_changed(id_t tenant_id);
  /// The tenant's overrides of country rules changed (committed): no dial is decided under
  /// the old rules once this returns; its campaigns compile their rule books again and
  /// withdraw their standby dials.
  void rules_changed(id_t tenant_id);

  /// Withdraws the standby dial of the tenant's lead if one waits unsent (its attempt closes
  /// without counting, the lead is pending again), so that the lead can be edited; its
  /// campaign then never sends it. False when none waits (a call may be under way). Blocks on
  /// the database: call from a worker thread.
  bool withdraw_standby(id_t tenant_id, id_t lead_id);

  /// How many standby dials of the tenant's campaign wait unsent (journalled as dialing).
  std::size_t standbys_waiting(id_t tenant_id, id_t campaign_id) const;

  /// A verified webhook was committed to the inbox as `inbox_id`; apply it once.
  void webhook_stored(id_t inbox_id, id_t tenant_id, id_t attempt_id, const webhook_event& ev);

  /// A verified webhook on its way to the inbox (`tenant_id` 0: the platform's account): when
  /// it ends a followed call, the call's line goes back now, before the inbox commit (the
  /// stored webhook closes the attempt as usual).
  void webhook_arrived(id_t tenant_id, id_t attempt_id, const webhook_event& ev);

  /// Adds a live-event subscriber with `filter` (tenant from its credentials, optionally one
  /// campaign); false when the engine is not running. Called again for the same sink, it
  /// replaces the filter and the sink gets a `subscribed` event once the new filter applies.
  bool subscribe_events(std::shared_ptr<event_sink> sink, subscription_filter filter,
                        bool acknowledge = false);
  /// Forgets a live-event subscriber.
  void unsubscribe_events(std::shared_ptr<event_sink> sink);
  /// Publishes a live event from outside the actors (see publish_event in event_hub.hpp).
  void publish_event(live_event ev);

  /// True while the actor system runs.
  bool running() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dialer::actors
