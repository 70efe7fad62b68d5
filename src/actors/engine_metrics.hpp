#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string_view>

#include "core/domain.hpp"

namespace dialer::actors {

/// Every metric the engine's actors and webhook path write, declared in one place.
class engine_metrics {
 public:
  /// Registers the metrics in `registry` (which must outlive this object).
  explicit engine_metrics(prometheus::Registry& registry);

  /// A create-phone-call was answered: "accepted", "refused", "error" or "unknown" (in doubt).
  void dial(std::string_view result);
  /// A call reached its outcome.
  void outcome(disposition d);
  /// A webhook arrived: result is "stored", "duplicate", "bad_signature", "malformed", "unknown_call".
  void webhook(std::string_view event, std::string_view result);
  /// Seconds from webhook arrival to its 2xx answer.
  void webhook_ack_seconds(double s);
  /// A call line was taken (+1) or released (-1).
  void active_calls_add(double delta);
  /// Lines in use now.
  double active_calls() const;
  /// An actor of `kind` was restarted by its parent.
  void actor_restart(std::string_view kind);
  /// A storage job failed and will be retried.
  void storage_retry();

  // Live events over WebSocket (issue 5).
  /// A WebSocket client connected (+1) or left (-1).
  void websocket_clients_add(double delta);
  /// WebSocket clients connected now.
  double websocket_clients() const;
  /// A WebSocket client was dropped (close code 1013) because it could not keep up.
  void websocket_dropped();

 private:
  prometheus::Family<prometheus::Counter>& dials_;
  prometheus::Family<prometheus::Counter>& outcomes_;
  prometheus::Family<prometheus::Counter>& webhooks_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Counter& storage_retries_;
  prometheus::Gauge& active_calls_;
  prometheus::Histogram& webhook_ack_;
  prometheus::Gauge& websocket_clients_;
  prometheus::Counter& websocket_dropped_;
};

}  // namespace dialer::actors
