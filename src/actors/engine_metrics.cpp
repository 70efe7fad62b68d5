#include "actors/engine_metrics.hpp"

#include <string>

namespace dialer::actors {

engine_metrics::engine_metrics(prometheus::Registry& r)
    : dials_(prometheus::BuildCounter()
                 .Name("dialer_dials_total")
                 .Help("create-phone-call requests answered, by result")
                 .Register(r)),
      outcomes_(prometheus::BuildCounter()
                    .Name("dialer_call_outcomes_total")
                    .Help("calls that reached an outcome, by disposition")
                    .Register(r)),
      webhooks_(prometheus::BuildCounter()
                    .Name("dialer_webhook_events_total")
                    .Help("provider webhooks received, by event and result")
                    .Register(r)),
      restarts_(prometheus::BuildCounter()
                    .Name("dialer_actor_restarts_total")
                    .Help("actors restarted by their parent, by kind")
                    .Register(r)),
      storage_retries_(prometheus::BuildCounter()
                           .Name("dialer_storage_retries_total")
                           .Help("storage jobs that failed and were retried")
                           .Register(r)
                           .Add({})),
      active_calls_(prometheus::BuildGauge()
                        .Name("dialer_active_calls")
                        .Help("provider lines in use (dialing or connected)")
                        .Register(r)
                        .Add({})),
      webhook_ack_(prometheus::BuildHistogram()
                       .Name("dialer_webhook_ack_seconds")
                       .Help("time from webhook arrival to its answer")
                       .Register(r)
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})),
      websocket_clients_(prometheus::BuildGauge()
                             .Name("dialer_websocket_clients")
                             .Help("WebSocket clients connected to the live event stream")
                             .Register(r)
                             .Add({})),
      websocket_dropped_(prometheus::BuildCounter()
                             .Name("dialer_websocket_dropped_total")
                             .Help("WebSocket clients disconnected (1013) for not keeping up")
                             .Register(r)
                             .Add({})) {}

void engine_metrics::dial(std::string_view result) {
  dials_.Add({{"result", std::string(result)}}).Increment();
}

void engine_metrics::outcome(disposition d) {
  outcomes_.Add({{"disposition", std::string(to_string(d))}}).Increment();
}

void engine_metrics::webhook(std::string_view event, std::string_view result) {
  webhooks_.Add({{"event", std::string(event)}, {"result", std::string(result)}}).Increment();
}

void engine_metrics::webhook_ack_seconds(double s) { webhook_ack_.Observe(s); }

void engine_metrics::active_calls_add(double delta) { active_calls_.Increment(delta); }

double engine_metrics::active_calls() const { return active_calls_.Value(); }

void engine_metrics::actor_restart(std::string_view kind) {
  restarts_.Add({{"kind", std::string(kind)}}).Increment();
}

void engine_metrics::storage_retry() { storage_retries_.Increment(); }

// Live events over WebSocket (issue 5).

void engine_metrics::websocket_clients_add(double delta) { websocket_clients_.Increment(delta); }

double engine_metrics::websocket_clients() const { return websocket_clients_.Value(); }

void engine_metrics::websocket_dropped() { websocket_dropped_.Increment(); }

}  // namespace dialer::actors
