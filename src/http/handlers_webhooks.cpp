#include <chrono>

#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "log/log_event.hpp"
#include "retell/client.hpp"
#include "retell/signature.hpp"
#include "storage/accounts.hpp"
#include "storage/dial_journal.hpp"
#include "storage/webhook_inbox.hpp"

namespace dialer::http {
namespace {

/// The journalled attempt a webhook belongs to: by the attempt id in its metadata, checked
/// against the provider call id, else by the provider call id alone.
std::optional<storage::attempt_row> attempt_of(api_context& api, const provider_call& call) {
  if (call.attempt_id > 0) {
    auto a = storage::find_attempt(api.db, call.attempt_id);
    if (a && (a->provider_call_id.empty() || a->provider_call_id == call.call_id)) return a;
    return std::nullopt;
  }
  if (call.call_id.empty()) return std::nullopt;
  return storage::find_attempt_by_call_id(api.db, call.call_id);
}

/// Verifies a webhook against the raw body with the account's `signing_key`, stores it durably,
/// then answers 204. With `tenant_id` (a tenant's own account), only that tenant's calls count.
response receive(api_context& api, const request& req, const std::string& signing_key,
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
  auto event_label = std::string(to_string(ev->kind));
  auto attempt = attempt_of(api, ev->call);
  if (attempt && tenant_id && attempt->attempt.tenant_id != *tenant_id) attempt.reset();
  if (!attempt) {
    // Not a call this engine placed: acknowledge so the provider stops retrying.
    api.metrics.webhook(event_label, "unknown_call");
    log::log_event(log::level::warn, "webhook for an unknown call",
                   log::fields()
                       .request_id(req.request_id)
                       .provider_call_id(ev->call.call_id)
                       .add("event", ev->event_name));
    response r;
    r.status = 204;
    return r;
  }
  auto [inbox_id, inserted] =
      storage::store_webhook(api.db, attempt->attempt.tenant_id, attempt->attempt.attempt_id,
                             ev->call.call_id, ev->event_name, req.body);
  api.metrics.webhook(event_label, inserted ? "stored" : "duplicate");
  if (inserted)
    api.engine.webhook_stored(inbox_id, attempt->attempt.tenant_id, attempt->attempt.attempt_id,
                              *ev);
  api.metrics.webhook_ack_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
  response r;
  r.status = 204;
  r.tenant_id = attempt->attempt.tenant_id;
  return r;
}

}  // namespace

void add_webhook_routes(router& r, api_context& api) {
  r.add("POST", "/api/v1/webhooks/retell", unauthenticated(api, [&api](const request& q) {
          return receive(api, q, api.retell_api_key, std::nullopt);
        }));
  // A tenant's own provider account signs with the tenant's key; without one the path is unknown.
  r.add("POST", "/api/v1/webhooks/retell/{tenant_hook_id}",
        unauthenticated(api, [&api](const request& q) {
          const std::string& hook = q.path_params.at("tenant_hook_id");
          auto tenant =
              hook.size() <= 64 ? storage::find_tenant_by_hook(api.db, hook) : std::nullopt;
          if (!tenant || !tenant->retell_api_key || tenant->retell_api_key->empty())
            return not_found(q, "RESOURCE_NOT_FOUND", "Webhook endpoint", hook);
          return receive(api, q, *tenant->retell_api_key, tenant->id);
        }));
}

}  // namespace dialer::http
