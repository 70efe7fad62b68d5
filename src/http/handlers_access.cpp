#include "actors/engine.hpp"
#include "http/api_support.hpp"
#include "http/auth.hpp"
#include "http/handlers.hpp"
#include "storage/accounts.hpp"
#include "storage/api_keys.hpp"
#include "storage/tenant_limits.hpp"

namespace dialer::http {
namespace {

/// Characters of a key kept to recognise it in listings: "dk_" and 8 hex digits.
constexpr std::size_t shown_prefix = 11;

void write_api_key(json_writer& w, const storage::api_key_row& k, const std::string* secret) {
  w.StartObject();
  put_int(w, "id", k.id);
  if (secret) put(w, "key", *secret);
  put(w, "name", k.name);
  put(w, "role", k.role);
  put(w, "prefix", k.key_prefix);
  put_int(w, "created_by", k.created_by);
  put(w, "created_at", k.created_at);
  w.EndObject();
}

/// POST /api-keys {name?, role?}: the key is in this answer only; the database keeps its hash.
response create_api_key(api_context& api, const request& req, const principal& who) {
  payload p(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (p.malformed()) return malformed_json(req);
  storage::api_key_row row;
  row.name = p.text("name", false, 200).value_or("");
  row.role = p.one_of("role", {"admin", "user", "viewer"}).value_or("user");
  if (!p.errors().empty()) return validation_error(req, p.errors());
  std::string key = make_api_key();
  row.created_by = who.user_id;
  row.key_prefix = key.substr(0, shown_prefix);
  auto stored = storage::insert_api_key(api.db, who.tenant_id, row, api_key_digest(key));
  return json_response(201, [&](json_writer& w) { write_api_key(w, stored, &key); });
}

void write_provider_settings(json_writer& w, const storage::tenant_row& t) {
  w.StartObject();
  w.Key("retell_api_key_set");
  w.Bool(t.retell_api_key.has_value());
  put(w, "account", t.retell_api_key ? "own" : "platform");
  put_opt(w, "retell_base_url", t.retell_base_url);
  put(w, "webhook_url_path", "/api/v1/webhooks/retell/" + t.webhook_hook_id);
  w.EndObject();
}

/// True for an absolute http(s) URL with a host and no spaces or fragments.
bool is_base_url(const std::string& url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0)
    rest = std::string_view(url).substr(8);
  else if (url.rfind("http://", 0) == 0)
    rest = std::string_view(url).substr(7);
  else
    return false;
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  for (char c : rest)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#' || c == '?' || c == '"')
      return false;
  return true;
}

/// PUT /settings/provider {retell_api_key, retell_base_url?}; a null key returns the tenant to
/// the platform account.
response put_provider_settings(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  std::optional<std::string> key;
  std::optional<std::string> base_url;
  const bool clearing = is_null_member(p, "retell_api_key");
  if (!clearing) {
    key = p.text("retell_api_key", true, 500);
    if (key && key->size() < 8) p.reject("retell_api_key", "must have at least 8 characters");
    if (key && key->find_first_of(" \t\r\n") != std::string::npos)
      p.reject("retell_api_key", "must not contain spaces");
    base_url = p.text("retell_base_url", false, 500);
    if (base_url) {
      while (!base_url->empty() && base_url->back() == '/') base_url->pop_back();
      if (!is_base_url(*base_url))
        p.reject("retell_base_url",
                 "must be an http:// or https:// URL such as https://api.retellai.com");
    }
  }
  if (!p.errors().empty()) return validation_error(req, p.errors());
  auto stored = storage::set_provider_account(api.db, who.tenant_id, key, base_url);
  if (!stored) return not_found(req, "RESOURCE_NOT_FOUND", "Tenant", std::to_string(who.tenant_id));
  // Committed: the tenant's new calls go to the account just stored (or the platform's).
  api.engine.provider_account_changed(who.tenant_id);
  return json_response(200, [&](json_writer& w) { write_provider_settings(w, *stored); });
}

void write_tenant_limits(json_writer& w, const tenant_standing& s) {
  w.StartObject();
  put_opt_int(w, "max_concurrent_calls", s.limits.max_concurrent_calls);
  put_opt_int(w, "monthly_budget_cents", s.limits.monthly_budget_cents);
  put_int(w, "month_spent_cents", s.month_spent_cents);
  w.EndObject();
}

/// The tenant's limits and what it spent this UTC month.
tenant_standing standing_now(api_context& api, id_t tenant_id) {
  return storage::tenant_standing_of(api.db, tenant_id, month_start_utc(api.clock.now_ms()));
}

/// One member of PUT /settings/limits: absent keeps the stored value, null clears the limit.
template <class T>
void limit_member(payload& p, const char* name, std::int64_t min, std::int64_t max,
                  std::optional<T>& limit) {
  if (!p.has(name)) return;
  if (is_null_member(p, name)) {
    limit.reset();
    return;
  }
  if (auto v = p.integer(name, true, min, max)) limit = static_cast<T>(*v);
}

/// PUT /settings/limits {max_concurrent_calls?, monthly_budget_cents?}: the limits every
/// campaign of the tenant shares; null removes a limit, an absent member keeps it.
response put_tenant_limits(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  auto limits = storage::tenant_limits_of(api.db, who.tenant_id);
  if (!limits) return not_found(req, "RESOURCE_NOT_FOUND", "Tenant", std::to_string(who.tenant_id));
  limit_member(p, "max_concurrent_calls", 1, 100'000, limits->max_concurrent_calls);
  limit_member(p, "monthly_budget_cents", 0, 1'000'000'000'000, limits->monthly_budget_cents);
  if (!p.errors().empty()) return validation_error(req, p.errors());
  if (!storage::set_tenant_limits(api.db, who.tenant_id, *limits))
    return not_found(req, "RESOURCE_NOT_FOUND", "Tenant", std::to_string(who.tenant_id));
  // Committed: the tenant's actor reads them again; campaigns waiting for lines are told.
  api.engine.tenant_limits_changed(who.tenant_id);
  auto standing = standing_now(api, who.tenant_id);
  return json_response(200, [&](json_writer& w) { write_tenant_limits(w, standing); });
}

}  // namespace

void add_access_routes(router& r, api_context& api) {
  r.add("POST", "/api/v1/api-keys", admin_only(api, [&api](const request& q, const principal& w) {
          return create_api_key(api, q, w);
        }));
  r.add("GET", "/api/v1/api-keys", admin_only(api, [&api](const request&, const principal& w) {
          auto keys = storage::list_api_keys(api.db, w.tenant_id);
          return json_response(200, [&](json_writer& out) {
            out.StartObject();
            put_int(out, "total", static_cast<std::int64_t>(keys.size()));
            out.Key("items");
            out.StartArray();
            for (const auto& k : keys) write_api_key(out, k, nullptr);
            out.EndArray();
            out.EndObject();
          });
        }));
  r.add("DELETE", "/api/v1/api-keys/{id}",
        admin_only(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          if (!id || !storage::delete_api_key(api.db, w.tenant_id, *id))
            return not_found(q, "API_KEY_NOT_FOUND", "API key", q.path_params.at("id"));
          return no_content();
        }));
  r.add("GET", "/api/v1/settings/provider",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto tenant = storage::find_tenant(api.db, w.tenant_id);
          if (!tenant)
            return not_found(q, "RESOURCE_NOT_FOUND", "Tenant", std::to_string(w.tenant_id));
          return json_response(200,
                               [&](json_writer& out) { write_provider_settings(out, *tenant); });
        }));
  r.add("GET", "/api/v1/settings/limits",
        authenticated(api, [&api](const request&, const principal& w) {
          auto standing = standing_now(api, w.tenant_id);
          return json_response(200, [&](json_writer& out) { write_tenant_limits(out, standing); });
        }));
  r.add("PUT", "/api/v1/settings/limits",
        admin_only(api, [&api](const request& q, const principal& w) {
          return put_tenant_limits(api, q, w);
        }));
  r.add("PUT", "/api/v1/settings/provider",
        admin_only(api, [&api](const request& q, const principal& w) {
          return put_provider_settings(api, q, w);
        }));
}

}  // namespace dialer::http
