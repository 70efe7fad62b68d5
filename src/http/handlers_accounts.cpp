#include "http/api_support.hpp"
#include "http/auth.hpp"
#include "http/handlers.hpp"
#include "storage/accounts.hpp"

namespace dialer::http {
namespace {

std::string token_for(const api_context& api, const storage::user_row& u) {
  token_claims c;
  c.user_id = u.id;
  c.tenant_id = u.tenant_id;
  c.is_admin = u.is_admin;
  c.role = u.role;
  c.iat = api.clock.now_ms() / 1000;
  c.exp = c.iat + api.token_ttl_s;
  return issue_token(api.jwt_secret, c);
}

response register_user(api_context& api, const request& req) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  auto email = p.text("email", true, 254);
  auto password = p.text("password", true, 200);
  auto name = p.text("name", true, 200);
  auto company = p.text("company", true, 200);
  if (email && !is_email(*email)) p.reject("email", "must be an e-mail address");
  if (password && password->size() < 8) p.reject("password", "must have at least 8 characters");
  if (!p.errors().empty()) return validation_error(req, p.errors());
  storage::registration r;
  r.email = *email;
  r.name = *name;
  r.company = *company;
  r.password_salt = make_salt();
  r.password_hash = hash_password(*password, r.password_salt);
  std::pair<id_t, id_t> ids;
  try {
    ids = storage::register_tenant(api.db, r);
  } catch (const storage::conflict_error&) {
    return error_response(409, "CONFLICT", "This e-mail is already registered", req.request_id);
  }
  storage::user_row u;
  u.id = ids.second;
  u.tenant_id = ids.first;
  u.is_admin = true;
  u.role = "admin";
  return json_response(201, [&](json_writer& w) {
    w.StartObject();
    put(w, "token", token_for(api, u));
    put_int(w, "tenant_id", u.tenant_id);
    put_int(w, "user_id", u.id);
    w.EndObject();
  });
}

response login(api_context& api, const request& req) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  auto email = p.text("email", true, 254);
  auto password = p.text("password", true, 200);
  if (!p.errors().empty()) return validation_error(req, p.errors());
  auto user = storage::find_user_by_email(api.db, *email);
  if (!user || !check_password(*password, user->password_salt, user->password_hash))
    return error_response(401, "UNAUTHENTICATED", "Wrong e-mail or password", req.request_id);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put(w, "token", token_for(api, *user));
    put_int(w, "tenant_id", user->tenant_id);
    put_int(w, "user_id", user->id);
    w.Key("is_admin");
    w.Bool(user->is_admin);
    put(w, "role", user->role);
    w.EndObject();
  });
}

response me(api_context& api, const request& req, const principal& who) {
  auto user = storage::find_user(api.db, who.tenant_id, who.user_id);
  if (!user)
    return error_response(401, "UNAUTHENTICATED", "The token's user no longer exists",
                          req.request_id);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "user_id", user->id);
    put_int(w, "tenant_id", user->tenant_id);
    put(w, "email", user->email);
    put(w, "name", user->name);
    w.Key("is_admin");
    w.Bool(who.is_admin);
    put(w, "role", to_string(who.role));
    put_opt_int(w, "api_key_id",
                who.api_key_id ? std::optional<std::int64_t>(who.api_key_id) : std::nullopt);
    w.EndObject();
  });
}

}  // namespace

void add_account_routes(router& r, api_context& api) {
  r.add("POST", "/api/v1/auth/register",
        unauthenticated(api, [&api](const request& q) { return register_user(api, q); }));
  r.add("POST", "/api/v1/auth/login",
        unauthenticated(api, [&api](const request& q) { return login(api, q); }));
  r.add("GET", "/api/v1/auth/me", authenticated(api, [&api](const request& q, const principal& w) {
          return me(api, q, w);
        }));
}

}  // namespace dialer::http
