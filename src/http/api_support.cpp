#include "http/api_support.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "actors/blocking_pool.hpp"
#include "http/auth.hpp"
#include "storage/database.hpp"

namespace dialer::http {
namespace {

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

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

}  // namespace

handler authenticated(api_context& api, tenant_work work) {
  return [&api, work = std::move(work)](request&& req, responder respond) {
    auto token = bearer_token(req);
    std::optional<token_claims> claims;
    if (token) claims = verify_token(api.jwt_secret, *token, api.clock.now_ms() / 1000);
    if (!claims) {
      respond(error_response(401, "UNAUTHENTICATED", "A valid bearer token is required",
                             req.request_id));
      return;
    }
    principal who{claims->user_id, claims->tenant_id, claims->is_admin};
    api.pool.post([req = std::move(req), respond = std::move(respond), who, &work]() {
      respond(run_guarded(req, [&] { return work(req, who); }));
    });
  };
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
  return error_response(400, "VALIDATION_ERROR", "Some fields are invalid", req.request_id,
                        errors);
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

}  // namespace dialer::http
