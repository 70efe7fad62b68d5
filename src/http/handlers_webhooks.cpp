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
#include "storage/dial_journal.hpp"
#include "storage/inbox_writer.hpp"
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

/// The signing key of the account a webhook path belongs to (and its tenant for a tenant's own
/// account), or the answer when the path names no account.
using account_lookup =
    std::function<std::optional<response>(const request&, std::string&, std::optional<id_t>&)>;

/// A verified webhook of a known attempt, ready for the inbox.
struct admitted_webhook {
  storage::inbox_entry entry;
  webhook_event event;
  std::string label;  ///< event name for the metrics
  std::chrono::steady_clock::time_point arrived;
};

/// Checks a webhook against the raw body with the account's `signing_key` and finds its
/// attempt. Either an answer now (bad signature, malformed, unknown call) or the webhook to
/// store. With `tenant_id` (a tenant's own account), only that tenant's calls count.
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
  admitted_webhook w;
  w.entry = storage::inbox_entry{attempt->attempt.tenant_id, attempt->attempt.attempt_id,
                                 ev->call.call_id, ev->event_name, req.body};
  w.event = std::move(*ev);
  w.label = std::move(event_label);
  w.arrived = arrived;
  return w;
}

/// After the inbox commit: hands a new webhook to the engine and answers 204 (the provider
/// sends it again on 503 when the database failed).
response acknowledge(api_context& api, const admitted_webhook& w, const std::string& request_id,
                     std::optional<std::pair<id_t, bool>> stored) {
  if (!stored)
    return error_response(503, "UNAVAILABLE", "The database is unavailable; retry later",
                          request_id);
  auto [inbox_id, inserted] = *stored;
  api.metrics.webhook(w.label, inserted ? "stored" : "duplicate");
  if (inserted) api.engine.webhook_stored(inbox_id, w.entry.tenant_id, w.entry.attempt_id, w.event);
  api.metrics.webhook_ack_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w.arrived).count());
  response r;
  r.status = 204;
  r.tenant_id = w.entry.tenant_id;
  return r;
}

/// Admits a webhook on the handler pool, then hands it to the inbox writer; the answer goes
/// out from the writer's thread after the group commit that stored it.
void receive(api_context& api, request&& req, responder respond, account_lookup account_of) {
  api.pool.post([&api, account_of = std::move(account_of), req = std::move(req),
                 respond = std::move(respond)]() mutable {
    std::optional<admitted_webhook> admitted;
    auto answer = run_guarded(req, [&]() -> response {
      std::string key;
      std::optional<id_t> tenant;
      if (auto refused = account_of(req, key, tenant)) return std::move(*refused);
      auto decided = admit(api, req, key, tenant);
      if (auto* r = std::get_if<response>(&decided)) return std::move(*r);
      admitted = std::move(std::get<admitted_webhook>(decided));
      return response{};  // not sent: the answer follows the group commit
    });
    if (!admitted) {
      respond(std::move(answer));
      return;
    }
    auto entry = admitted->entry;
    api.inbox->submit(std::move(entry),
                      [&api, w = std::move(*admitted), request_id = req.request_id,
                       respond = std::move(respond)](std::optional<std::pair<id_t, bool>> stored) {
                        respond(acknowledge(api, w, request_id, stored));
                      });
  });
}

}  // namespace

void add_webhook_routes(router& r, api_context& api) {
  account_lookup platform = [&api](const request&, std::string& key, std::optional<id_t>&) {
    key = api.retell_api_key;
    return std::optional<response>();
  };
  // A tenant's own provider account signs with the tenant's key; without one the path is unknown.
  account_lookup own_account = [&api](const request& q, std::string& key,
                                      std::optional<id_t>& tenant_id) {
    const std::string& hook = q.path_params.at("tenant_hook_id");
    auto tenant = hook.size() <= 64 ? storage::find_tenant_by_hook(api.db, hook) : std::nullopt;
    if (!tenant || !tenant->retell_api_key || tenant->retell_api_key->empty())
      return std::optional<response>(not_found(q, "RESOURCE_NOT_FOUND", "Webhook endpoint", hook));
    key = *tenant->retell_api_key;
    tenant_id = tenant->id;
    return std::optional<response>();
  };
  r.add("POST", "/api/v1/webhooks/retell", [&api, platform](request&& q, responder respond) {
    receive(api, std::move(q), std::move(respond), platform);
  });
  r.add("POST", "/api/v1/webhooks/retell/{tenant_hook_id}",
        [&api, own_account](request&& q, responder respond) {
          receive(api, std::move(q), std::move(respond), own_account);
        });
}

}  // namespace dialer::http
