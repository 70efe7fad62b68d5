#include "http/api_support.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "actors/blocking_pool.hpp"
#include "http/auth.hpp"
#include "http/multipart.hpp"
#include "http/rate_limit.hpp"
#include "storage/api_keys.hpp"
#include "storage/database.hpp"

namespace dialer::http {
namespace {

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}


response unauthenticated_response(const request& req) {
  return error_response(401, "UNAUTHENTICATED", "A valid bearer token or API key is required",
                        req.request_id);
}

/// Why `who` may not make this request now (rate, role), or nullopt when it may.
std::optional<response> refusal(api_context& api, const request& req, const principal& who,
                                bool admin_required) {
  if (api.request_limits) {
    auto verdict = api.request_limits->admit(who.tenant_id, api.clock.now_ms());
    if (!verdict.admitted) {
      response r = error_response(429, "RATE_LIMIT_EXCEEDED",
                                  "Too many requests for this tenant; retry later", req.request_id);
      r.headers.emplace_back("Retry-After", std::to_string((verdict.retry_after_ms + 999) / 1000));
      return r;
    }
  }
  if (who.role == user_role::viewer && req.method != "GET" && req.method != "HEAD")
    return permission_denied(req, "Viewers have read-only access");
  if (admin_required && who.role != user_role::admin)
    return permission_denied(req, "Only administrators may do this");
  return std::nullopt;
}

/// The caller a verified token names.
principal principal_of(const token_claims& c) {
  principal who{c.user_id, c.tenant_id, c.is_admin, user_role::user, 0};
  who.role = parse_user_role(c.role).value_or(c.is_admin ? user_role::admin : user_role::user);
  return who;
}

/// The caller an API key stands for: its tenant, its role, acting as the user who made it.
principal principal_of(const storage::api_key_row& k) {
  principal who{k.created_by, k.tenant_id, false, user_role::user, k.id};
  who.role = parse_user_role(k.role).value_or(user_role::viewer);
  who.is_admin = who.role == user_role::admin;
  return who;
}

/// The response of `body`, marked (for the access log) with the caller's tenant.
template <class Body>
response for_tenant(const principal& who, Body&& body) {
  response r = body();
  r.tenant_id = who.tenant_id;
  return r;
}

handler guarded_handler(api_context& api, tenant_work work, bool admin_required) {
  return [&api, admin_required, work = std::move(work)](request&& req, responder respond) {
    auto credential = bearer_token(req);
    if (credential && is_api_key(*credential)) {
      // An API key is looked up in the database, so even its check runs on the pool.
      api.pool.post([&api, &work, admin_required, digest = api_key_digest(*credential),
                     req = std::move(req), respond = std::move(respond)]() {
        respond(run_guarded(req, [&] {
          auto key = storage::find_api_key(api.db, digest);
          if (!key) return unauthenticated_response(req);
          principal who = principal_of(*key);
          return for_tenant(who, [&] {
            if (auto no = refusal(api, req, who, admin_required)) return std::move(*no);
            return work(req, who);
          });
        }));
      });
      return;
    }
    std::optional<token_claims> claims;
    if (credential) claims = verify_token(api.jwt_secret, *credential, api.clock.now_ms() / 1000);
    if (!claims) {
      respond(unauthenticated_response(req));
      return;
    }
    principal who = principal_of(*claims);
    if (auto no = refusal(api, req, who, admin_required)) {
      no->tenant_id = who.tenant_id;
      respond(std::move(*no));
      return;
    }
    api.pool.post([req = std::move(req), respond = std::move(respond), who, &work]() {
      respond(run_guarded(req, [&] { return for_tenant(who, [&] { return work(req, who); }); }));
    });
  };
}

}  // namespace

/// Runs `body` and maps failures to the API's error shape.
response run_guarded(const request& req, const std::function<response()>& body) {
  try {
    return body();
  } catch (const storage::conflict_error& e) {
    return error_response(409, "CONFLICT", "The resource already exists", req.request_id);
  } catch (const storage::storage_error& e) {
    spdlog::error("request {} {}: storage failure: {}", req.request_id, req.path, e.what());
    return error_response(503, "UNAVAILABLE", "The database is unavailable; retry later",
                          req.request_id);
  }
}

std::string_view to_string(user_role r) {
  switch (r) {
    case user_role::admin:
      return "admin";
    case user_role::user:
      return "user";
    case user_role::viewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<user_role> parse_user_role(std::string_view s) {
  if (s == "admin") return user_role::admin;
  if (s == "user") return user_role::user;
  if (s == "viewer") return user_role::viewer;
  return std::nullopt;
}

handler authenticated(api_context& api, tenant_work work) {
  return guarded_handler(api, std::move(work), false);
}

handler admin_only(api_context& api, tenant_work work) {
  return guarded_handler(api, std::move(work), true);
}

handler unauthenticated(api_context& api, open_work work) {
  return [&api, work = std::move(work)](request&& req, responder respond) {
    api.pool.post([req = std::move(req), respond = std::move(respond), &work]() {
      respond(run_guarded(req, [&] { return work(req); }));
    });
  };
}

response json_response(unsigned status, const std::function<void(json_writer&)>& fill) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  fill(w);
  response res;
  res.status = status;
  res.body = text_of(buf);
  return res;
}

response malformed_json(const request& req) {
  return error_response(400, "MALFORMED_JSON", "The body must be a JSON object", req.request_id);
}

response validation_error(const request& req, const field_errors& errors) {
  return error_response(400, "VALIDATION_ERROR", "Some fields are invalid", req.request_id, errors);
}

response permission_denied(const request& req, std::string_view why) {
  return error_response(403, "PERMISSION_DENIED", why, req.request_id);
}

response conflict(const request& req, std::string_view code, std::string_view message) {
  return error_response(409, code, message, req.request_id);
}

response compliance_violation(const request& req, std::string_view message,
                              std::string_view verdict_json) {
  return error_response_with_details(422, "COMPLIANCE_VIOLATION", message, req.request_id,
                                     verdict_json);
}

response no_content() {
  response r;
  r.status = 204;
  r.body.clear();
  return r;
}

response not_found(const request& req, std::string_view code, std::string_view what,
                   std::string_view id) {
  return error_response(404, code, std::string(what) + " " + std::string(id) + " not found",
                        req.request_id);
}

std::optional<id_t> path_id(const request& req, const char* name) {
  auto it = req.path_params.find(name);
  if (it == req.path_params.end()) return std::nullopt;
  auto v = to_int(it->second);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

std::pair<std::int32_t, std::int32_t> paging(const request& req, field_errors& errors) {
  std::int32_t limit = 50, offset = 0;
  if (const auto* s = req.query_param("limit")) {
    auto v = to_int(*s);
    if (!v || *v < 1 || *v > 1000)
      errors.push_back({"limit", "must be an integer between 1 and 1000"});
    else
      limit = static_cast<std::int32_t>(*v);
  }
  if (const auto* s = req.query_param("offset")) {
    auto v = to_int(*s);
    if (!v || *v < 0 || *v > 100'000'000)
      errors.push_back({"offset", "must be a non-negative integer"});
    else
      offset = static_cast<std::int32_t>(*v);
  }
  return {limit, offset};
}

std::optional<id_t> query_id(const request& req, const char* name, field_errors& errors) {
  const auto* s = req.query_param(name);
  if (!s) return std::nullopt;
  auto v = to_int(*s);
  if (!v || *v <= 0) {
    errors.push_back({name, "must be a positive integer"});
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> query_instant(const request& req, const char* name,
                                         field_errors& errors) {
  const auto* s = req.query_param(name);
  if (!s) return std::nullopt;
  auto t = parse_iso8601(*s);
  if (!t) {
    errors.push_back({name, "must be an ISO 8601 UTC time such as 2026-01-15T14:30:00Z"});
    return std::nullopt;
  }
  return format_iso8601(*t);
}

bool is_null_member(const payload& p, const char* name) {
  if (p.malformed() || !p.has(name)) return false;
  return p.root()[name].IsNull();
}

std::optional<std::string_view> csv_of(const request& req, std::optional<response>& refusal) {
  const std::string type = req.header("content-type");
  if (has_media_type(type, "multipart/form-data")) {
    auto boundary = header_parameter(type, "boundary");
    auto part = boundary ? find_form_part(req.body, *boundary, "file") : std::nullopt;
    if (!part) {
      refusal = validation_error(req, {{"file", "the multipart body has no part named file"}});
      return std::nullopt;
    }
    return part->content;
  }
  if (type.empty() || has_media_type(type, "text/csv") || has_media_type(type, "application/csv") ||
      has_media_type(type, "text/plain"))
    return std::string_view(req.body);
  refusal = error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                           "Send text/csv or multipart/form-data with a file part", req.request_id);
  return std::nullopt;
}

}  // namespace dialer::http
