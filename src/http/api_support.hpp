#pragma once

// What every API handler shares: the caller's identity, the wrapper that authenticates and
// moves the work onto the blocking pool, and the common answers.

#include <functional>
#include <string>

#include "http/api.hpp"
#include "http/json_io.hpp"
#include "http/message.hpp"

namespace dialer::http {

/// What a caller may do: admins everything, users everything but managing API keys and
/// settings, viewers only read (GET).
enum class user_role { admin, user, viewer };

/// Text name of a role, as stored and served.
std::string_view to_string(user_role r);
/// Parses a role name; nullopt when unknown.
std::optional<user_role> parse_user_role(std::string_view s);

/// The authenticated caller: the tenant always comes from here, never from a payload.
struct principal {
  id_t user_id = 0;  ///< the user, or for an API key the user who created it
  id_t tenant_id = 0;
  bool is_admin = false;
  user_role role = user_role::user;
  id_t api_key_id = 0;  ///< the API key presented, 0 for a token
};

/// A handler body that runs on the blocking pool and returns the response.
using tenant_work = std::function<response(const request&, const principal&)>;
/// A handler body that needs no caller identity.
using open_work = std::function<response(const request&)>;

/// Authenticates the bearer JWT or API key (401 when missing or bad), applies the tenant's
/// request rate (429 with Retry-After) and the viewer's read-only rule (403 for anything but
/// GET), then runs `work` on the pool, mapping storage failures to 503 UNAVAILABLE and
/// conflicts to 409 CONFLICT.
handler authenticated(api_context& api, tenant_work work);
/// Like authenticated(), for admins only (403 PERMISSION_DENIED for anyone else).
handler admin_only(api_context& api, tenant_work work);
/// Runs `work` on the pool with the same error mapping, without authentication.
handler unauthenticated(api_context& api, open_work work);

/// Runs `body` and maps storage failures to the API's error shape (409 CONFLICT, 503).
response run_guarded(const request& req, const std::function<response()>& body);

/// A JSON response with `status` and the body written by `fill`.
response json_response(unsigned status, const std::function<void(json_writer&)>& fill);
/// 400 MALFORMED_JSON.
response malformed_json(const request& req);
/// 400 VALIDATION_ERROR naming each bad field.
response validation_error(const request& req, const field_errors& errors);
/// 403 PERMISSION_DENIED.
response permission_denied(const request& req, std::string_view why);
/// 409 with `code` (INVALID_STATE or CONFLICT) and `message`.
response conflict(const request& req, std::string_view code, std::string_view message);
/// 422 COMPLIANCE_VIOLATION with the decision (encode_compliance_verdict) as its details.
response compliance_violation(const request& req, std::string_view message,
                              std::string_view verdict_json);
/// 204 without a body.
response no_content();
/// 404 with `code` and "<what> <id> not found".
response not_found(const request& req, std::string_view code, std::string_view what,
                   std::string_view id);
/// The {id} path parameter as a positive integer, or nullopt.
std::optional<id_t> path_id(const request& req, const char* name = "id");
/// limit/offset query parameters (limit 1..1000, default 50); errors go in `errors`.
std::pair<std::int32_t, std::int32_t> paging(const request& req, field_errors& errors);
/// An optional positive integer query parameter; errors go in `errors`.
std::optional<id_t> query_id(const request& req, const char* name, field_errors& errors);
/// An optional ISO 8601 UTC instant query parameter, normalised; errors go in `errors`.
std::optional<std::string> query_instant(const request& req, const char* name,
                                         field_errors& errors);
/// True when the payload has `name` set to JSON null (a request to clear that field).
bool is_null_member(const payload& p, const char* name);

/// The CSV text of an import: the body itself (text/csv), or the `file` part of a
/// multipart/form-data body; nullopt with the answer in `refusal` otherwise.
std::optional<std::string_view> csv_of(const request& req, std::optional<response>& refusal);

/// Writes a list page: {total, items: [...], pagination: {limit, offset}}.
template <class Row, class Write>
void write_page(json_writer& w, std::int64_t total, const std::vector<Row>& items,
                std::int32_t limit, std::int32_t offset, Write write_item) {
  w.StartObject();
  put_int(w, "total", total);
  w.Key("items");
  w.StartArray();
  for (const auto& item : items) write_item(w, item);
  w.EndArray();
  w.Key("pagination");
  w.StartObject();
  put_int(w, "limit", limit);
  put_int(w, "offset", offset);
  w.EndObject();
  w.EndObject();
}

}  // namespace dialer::http
