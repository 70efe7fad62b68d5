#include <algorithm>
#include <chrono>
#include <functional>
#include <variant>

#include "actors/blocking_pool.hpp"
#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "log/log_event.hpp"
#include "retell/client.hpp"
#include "retell/signature.hpp"
#include "storage/accounts.hpp"
#include "storage/inbox_writer.hpp"
#include "storage/webhook_inbox.hpp"

namespace dialer::http {
namespace {

/// A verified webhook, ready for the inbox (which finds its attempt).
struct admitted_webhook {
  storage::inbox_entry entry;
  webhook_event event;
  std::string label;  ///< event name for the metrics
  std::string request_id;
  std::chrono::steady_clock::time_point arrived;
};

/// Checks a webhook against the raw body with the account's `signing_key`. Either an answer
/// now (bad signature, malformed) or the webhook to store. With `tenant_id` (a tenant's own
/// account), only that tenant's calls count. Pure CPU: no database.
std::variant<response, admitted_webhook> admit(api_context& api, const request& req,
                                               const std::string& signing_key,
                                               std::optional<id_t> tenant_id) {
  auto arrived = std::chrono::steady_clock::now();
  auto status = retell::verify_webhook(req.body, signing_key, req.header("x-retell-signature"),
                                       api.clock.now_ms());
  if (status != retell::signature_status::valid) {
    api.metrics.webhook("unknown", "bad_signature");
    log::log_event(log::level::warn, "webhook rejected: bad signature",
                   log::fields()
                       .request_id(req.request_id)
                       .tenant_id(tenant_id.value_or(0))
                       .add("signature", to_string(status)));
    return error_response(401, "INVALID_SIGNATURE",
                          std::string("Webhook signature is ") + std::string(to_string(status)),
                          req.request_id);
  }
  auto ev = retell::decode_webhook(req.body);
  if (!ev || ev->call.call_id.empty()) {
    api.metrics.webhook("unknown", "malformed");
    log::log_event(log::level::warn, "webhook rejected: malformed body",
                   log::fields().request_id(req.request_id).tenant_id(tenant_id.value_or(0)));
    return error_response(400, "MALFORMED_JSON", "Expected {\"event\": ..., \"call\": {...}}",
                          req.request_id);
  }
  admitted_webhook w;
  w.entry = storage::inbox_entry{tenant_id.value_or(0), std::max<id_t>(ev->call.attempt_id, 0),
                                 ev->call.call_id, ev->event_name, req.body};
  w.label = std::string(to_string(ev->kind));
  w.event = std::move(*ev);
  w.request_id = req.request_id;
  w.arrived = arrived;
  return w;
}

/// After the inbox commit: hands a new webhook to the engine and answers 204 (the provider
/// sends it again on 503 when the database failed). A webhook of a call this engine did not
/// place is acknowledged too, so the provider stops retrying.
response acknowledge(api_context& api, const admitted_webhook& w,
                     const std::optional<storage::inbox_receipt>& receipt) {
  if (!receipt)
    return error_response(503, "UNAVAILABLE", "The database is unavailable; retry later",
                          w.request_id);
  response r;
  r.status = 204;
  if (!receipt->attempt_id) {
    api.metrics.webhook(w.label, "unknown_call");
    log::log_event(log::level::warn, "webhook for an unknown call",
                   log::fields()
                       .request_id(w.request_id)
                       .provider_call_id(w.event.call.call_id)
                       .add("event", w.event.event_name));
    return r;
  }
  api.metrics.webhook(w.label, receipt->stored ? "stored" : "duplicate");
  if (receipt->stored)
    api.engine.webhook_stored(receipt->inbox_id, receipt->tenant_id, receipt->attempt_id, w.event);
  api.metrics.webhook_ack_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w.arrived).count());
  r.tenant_id = receipt->tenant_id;
  return r;
}

/// Admits a webhook and hands it to the inbox writer; the answer goes out from the writer's
/// thread after the group commit that stored it.
void admit_and_store(api_context& api, const request& req, const std::string& signing_key,
                     std::optional<id_t> tenant_id, responder respond) {
  auto decided = admit(api, req, signing_key, tenant_id);
  if (auto* r = std::get_if<response>(&decided)) {
    respond(std::move(*r));
    return;
  }
  auto w = std::move(std::get<admitted_webhook>(decided));
  // A call this ends frees its line now; the answer still waits for the inbox commit.
  api.engine.webhook_arrived(w.entry.tenant_id, w.entry.attempt_id, w.event);
  auto entry = w.entry;
  api.inbox->submit(std::move(entry), [&api, w = std::move(w), respond = std::move(respond)](
                                          std::optional<storage::inbox_receipt> receipt) {
    respond(acknowledge(api, w, receipt));
  });
}

}  // namespace

void add_webhook_routes(router& r, api_context& api) {
  // The platform's account: checking a webhook is pure CPU, so it runs on the I/O thread and
  // only the inbox writer touches the database.
  r.add("POST", "/api/v1/webhooks/retell", [&api](request&& q, responder respond) {
    admit_and_store(api, q, api.retell_api_key, std::nullopt, std::move(respond));
  });
  // A tenant's own provider account signs with the tenant's key, looked up on the handler
  // pool; without one the path is unknown.
  r.add("POST", "/api/v1/webhooks/retell/{tenant_hook_id}",
        [&api](request&& q, responder respond) {
          api.pool.post([&api, q = std::move(q), respond = std::move(respond)]() mutable {
            std::optional<storage::tenant_row> tenant;
            auto refused = run_guarded(q, [&]() -> response {
              const std::string& hook = q.path_params.at("tenant_hook_id");
              if (hook.size() <= 64) tenant = storage::find_tenant_by_hook(api.db, hook);
              if (!tenant || !tenant->retell_api_key || tenant->retell_api_key->empty()) {
                tenant.reset();
                return not_found(q, "RESOURCE_NOT_FOUND", "Webhook endpoint", hook);
              }
              return response{};
            });
            if (!tenant) {
              respond(std::move(refused));
              return;
            }
            admit_and_store(api, q, *tenant->retell_api_key, tenant->id, std::move(respond));
          });
        });
}

}  // namespace dialer::http
