#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"

namespace dialer::actors {

/// The account label of the platform's own provider account (a tenant's own account is
/// labelled with its tenant id).
inline constexpr std::string_view platform_account = "platform";

/// What /proc says about this process at one moment.
struct process_sample {
  double cpu_seconds = 0;            ///< user + system CPU time
  double resident_memory_bytes = 0;  ///< resident set size
  double virtual_memory_bytes = 0;   ///< virtual memory size
  double start_time_seconds = 0;     ///< process start, seconds since the Unix epoch
  std::optional<double> open_fds;    ///< descriptors open now
  std::optional<double> max_fds;     ///< soft limit on open descriptors
};

/// Reads a /proc/<pid>/stat line into a sample (descriptors left unknown); `ticks_per_second`,
/// `page_bytes` and `boot_time_s` (btime of /proc/stat) convert its units. nullopt when the
/// text is not a stat line.
std::optional<process_sample> parse_proc_stat(std::string_view stat, double ticks_per_second,
                                              double page_bytes, double boot_time_s);

/// Reads this process's CPU, memory, descriptors and start time from /proc now.
std::optional<process_sample> read_process_sample();

/// Every metric the engine writes, declared in one place (README.md, "Metrics", lists them).
/// Tenant ids are the only high-cardinality label; campaign, lead and call ids never are.
/// All methods are thread-safe.
class engine_metrics {
 public:
  /// Registers the metrics in `registry` (which must outlive this object).
  explicit engine_metrics(prometheus::Registry& registry);

  /// Every metric family to expose now: the registry's, then the process's (read from /proc).
  std::vector<prometheus::MetricFamily> collect() const;

  // Calls and their outcomes.

  /// A create-phone-call was answered: "accepted", "refused", "error" or "unknown" (in doubt).
  void dial(std::int64_t tenant_id, std::string_view result);
  /// A call of `tenant_id` reached its outcome.
  void outcome(std::int64_t tenant_id, disposition d);
  /// A call line of `tenant_id` was taken (+1) or released (-1).
  void active_calls_add(std::int64_t tenant_id, double delta);
  /// Lines in use now, all tenants together.
  double active_calls() const;

  // Campaign dispatch (called by the campaign actor).

  /// A lead of `tenant_id` was not dialled now: a compliance reason (dnc, quiet_hours, consent,
  /// attempts, ...) or a limit (budget, hourly_cap, daily_cap, caller_rate, ...).
  void dispatch_blocked(std::int64_t tenant_id, std::string_view reason);
  /// Seconds from the decision to dial a lead to its create-phone-call request being sent.
  void dispatch_latency_seconds(double s);
  /// Seconds from a call's line freed to the create request of the dial that took it.
  void slot_refill_seconds(double s);
  /// A standby dial (journalled ahead of a free line) was "sent" on a freed line, or
  /// "withdrawn" (blocked, stale, paused, stopped, DNC changed) before it was.
  void standby_dial(std::string_view result);
  /// The budgets of `tenant_id`'s running campaigns changed by these cents spent and reserved
  /// (a campaign adds its ledger when it starts and takes it back when its actor ends).
  void budget_change(std::int64_t tenant_id, double spent_delta, double reserved_delta);
  /// A campaign actor's status moved from `from` to `to` (campaign_status names); `from` is
  /// empty for a new actor, `to` empty for an actor that stopped.
  void campaign_status_change(std::string_view from, std::string_view to);

  // Provider.

  /// One provider request finished: `operation` (create_phone_call, get_call, list_calls,
  /// get_concurrency), its HTTP status (0: no answer) and how long it took.
  void provider_request(std::string_view operation, unsigned status, double seconds);
  /// The lines the provider account `account` uses now, and its limit (0: not known yet).
  void account_lines(std::string_view account, double in_use, double limit);
  /// Creates held in the gateway of `account` now (lines all in use, the limit not known yet,
  /// the caller number's rate, a Retry-After, or the circuit breaker).
  void creates_waiting(std::string_view account, double waiting);
  /// The gateway asks the provider again after an answer worth retrying: `operation` is
  /// get_call, list_calls or get_concurrency (a create is never resent).
  void provider_retry(std::string_view operation);

  // Webhooks.

  /// A webhook arrived: result is "stored", "duplicate", "bad_signature", "malformed", "unknown_call".
  void webhook(std::string_view event, std::string_view result);
  /// Seconds from webhook arrival to its 2xx answer.
  void webhook_ack_seconds(double s);

  // Reliability and storage.

  /// An actor of `kind` was restarted by its parent ("campaign", "call"), or its restarts
  /// were escalated ("campaign_escalated").
  void actor_restart(std::string_view kind);
  /// A storage job failed and will be retried.
  void storage_retry();
  /// A blocking database job waited `queued_s` for a worker and ran for `run_s`; `ok` is false
  /// when it threw.
  void storage_job(double queued_s, double run_s, bool ok);

  // Live events over WebSocket (issue 5).
  /// A WebSocket client connected (+1) or left (-1).
  void websocket_clients_add(double delta);
  /// WebSocket clients connected now.
  double websocket_clients() const;
  /// A WebSocket client was dropped (close code 1013) because it could not keep up.
  void websocket_dropped();

 private:
  prometheus::Registry& registry_;
  prometheus::Family<prometheus::Counter>& dials_;
  prometheus::Family<prometheus::Counter>& outcomes_;
  prometheus::Family<prometheus::Gauge>& active_calls_;
  prometheus::Family<prometheus::Counter>& blocked_;
  prometheus::Histogram& dispatch_latency_;
  prometheus::Histogram& slot_refill_;
  prometheus::Family<prometheus::Counter>& standby_dials_;
  prometheus::Family<prometheus::Gauge>& budget_spent_;
  prometheus::Family<prometheus::Gauge>& budget_reserved_;
  prometheus::Family<prometheus::Gauge>& campaigns_;
  prometheus::Family<prometheus::Histogram>& provider_seconds_;
  prometheus::Family<prometheus::Counter>& provider_errors_;
  prometheus::Family<prometheus::Gauge>& account_in_use_;
  prometheus::Family<prometheus::Gauge>& account_limit_;
  prometheus::Family<prometheus::Gauge>& creates_waiting_;
  prometheus::Family<prometheus::Counter>& provider_retries_;
  prometheus::Family<prometheus::Counter>& webhooks_;
  prometheus::Histogram& webhook_ack_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Counter& storage_retries_;
  prometheus::Histogram& storage_queue_;
  prometheus::Family<prometheus::Histogram>& storage_run_;
  prometheus::Gauge& websocket_clients_;
  prometheus::Counter& websocket_dropped_;
};

}  // namespace dialer::actors
