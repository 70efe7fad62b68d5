#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "storage/catalog.hpp"

namespace dialer::http {
namespace {

void write_agent(json_writer& w, const storage::agent_row& a) {
  w.StartObject();
  put_int(w, "id", a.id);
  put(w, "name", a.name);
  put(w, "retell_agent_id", a.retell_agent_id);
  put(w, "lang", a.lang);
  put(w, "voice_id", a.voice_id);
  put(w, "created_at", a.created_at);
  w.EndObject();
}

void write_number(json_writer& w, const storage::number_row& n) {
  w.StartObject();
  put_int(w, "id", n.id);
  put(w, "e164", n.e164);
  put(w, "provider", n.provider);
  put(w, "country", n.country);
  put(w, "status", n.status);
  put_int(w, "calls_per_second", n.calls_per_second);
  put(w, "created_at", n.created_at);
  w.EndObject();
}

template <class Row, class Write>
response list_of(const std::vector<Row>& rows, Write write) {
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "total", static_cast<std::int64_t>(rows.size()));
    w.Key("items");
    w.StartArray();
    for (const auto& r : rows) write(w, r);
    w.EndArray();
    w.EndObject();
  });
}

response create_agent(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::agent_row a;
  auto name = p.text("name", true, 200);
  auto agent_id = p.text("retell_agent_id", true, 200);
  a.lang = p.text("lang", false, 32).value_or("en-US");
  a.voice_id = p.text("voice_id", false, 200).value_or("");
  if (!p.errors().empty()) return validation_error(req, p.errors());
  a.name = *name;
  a.retell_agent_id = *agent_id;
  auto stored = storage::insert_agent(api.db, who.tenant_id, a);
  return json_response(201, [&](json_writer& w) { write_agent(w, stored); });
}

response create_number(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::number_row n;
  auto e164 = p.e164("e164", true);
  n.provider = p.one_of("provider", {"twilio", "telnyx", "retell"}).value_or("retell");
  n.country = p.text("country", false, 2).value_or("");
  n.status = p.one_of("status", {"pending", "active", "suspended", "released"}).value_or("active");
  // Carriers allow 1 to 16 calls a second per number (RETELL.md); the upper bound only keeps
  // typos out, so that a simulator or a future carrier can be registered as fast as it is.
  n.calls_per_second =
      static_cast<std::int32_t>(p.integer("calls_per_second", false, 1, 1000).value_or(1));
  if (!p.errors().empty()) return validation_error(req, p.errors());
  n.e164 = *e164;
  try {
    auto stored = storage::insert_number(api.db, who.tenant_id, n);
    return json_response(201, [&](json_writer& w) { write_number(w, stored); });
  } catch (const storage::conflict_error&) {
    return error_response(409, "CONFLICT", "This number is already registered", req.request_id);
  }
}

/// PATCH /agents/{id}: the fields given replace the stored ones.
response patch_agent(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto current = id ? storage::find_agent(api.db, who.tenant_id, *id) : std::nullopt;
  if (!current) return not_found(req, "AGENT_NOT_FOUND", "Agent", req.path_params.at("id"));
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::agent_row a = *current;
  if (p.has("name")) {
    if (auto v = p.text("name", true, 200)) a.name = *v;
  }
  if (p.has("retell_agent_id")) {
    if (auto v = p.text("retell_agent_id", true, 200)) a.retell_agent_id = *v;
  }
  if (auto v = p.text("lang", false, 32)) a.lang = *v;
  if (auto v = p.text("voice_id", false, 200)) a.voice_id = *v;
  if (!p.errors().empty()) return validation_error(req, p.errors());
  auto stored = storage::update_agent(api.db, who.tenant_id, *id, a);
  if (!stored) return not_found(req, "AGENT_NOT_FOUND", "Agent", req.path_params.at("id"));
  return json_response(200, [&](json_writer& w) { write_agent(w, *stored); });
}

response delete_agent(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto result =
      id ? storage::delete_agent(api.db, who.tenant_id, *id) : storage::change_result::not_found;
  if (result == storage::change_result::in_use)
    return conflict(req, "CONFLICT", "Agent " + std::to_string(*id) + " is used by a campaign");
  if (result != storage::change_result::applied)
    return not_found(req, "AGENT_NOT_FOUND", "Agent", req.path_params.at("id"));
  return no_content();
}

response delete_number(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto result =
      id ? storage::delete_number(api.db, who.tenant_id, *id) : storage::change_result::not_found;
  if (result == storage::change_result::in_use)
    return conflict(req, "CONFLICT",
                    "Number " + std::to_string(*id) +
                        " is the caller number of a campaign that has"
                        " not finished");
  if (result != storage::change_result::applied)
    return not_found(req, "NUMBER_NOT_FOUND", "Number", req.path_params.at("id"));
  return no_content();
}

}  // namespace

void add_catalog_routes(router& r, api_context& api) {
  r.add("GET", "/api/v1/agents", authenticated(api, [&api](const request&, const principal& w) {
          return list_of(storage::list_agents(api.db, w.tenant_id), write_agent);
        }));
  r.add("POST", "/api/v1/agents",
        authenticated(api, [&api](const request& q, const principal& w) {
          return create_agent(api, q, w);
        }));
  r.add("GET", "/api/v1/agents/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          auto a = id ? storage::find_agent(api.db, w.tenant_id, *id) : std::nullopt;
          if (!a) return not_found(q, "AGENT_NOT_FOUND", "Agent", q.path_params.at("id"));
          return json_response(200, [&](json_writer& out) { write_agent(out, *a); });
        }));
  r.add("PATCH", "/api/v1/agents/{id}",
        authenticated(
            api, [&api](const request& q, const principal& w) { return patch_agent(api, q, w); }));
  r.add("DELETE", "/api/v1/agents/{id}",
        authenticated(
            api, [&api](const request& q, const principal& w) { return delete_agent(api, q, w); }));
  r.add("GET", "/api/v1/numbers", authenticated(api, [&api](const request&, const principal& w) {
          return list_of(storage::list_numbers(api.db, w.tenant_id), write_number);
        }));
  r.add("POST", "/api/v1/numbers",
        authenticated(api, [&api](const request& q, const principal& w) {
          return create_number(api, q, w);
        }));
  r.add("GET", "/api/v1/numbers/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          auto n = id ? storage::find_number(api.db, w.tenant_id, *id) : std::nullopt;
          if (!n) return not_found(q, "NUMBER_NOT_FOUND", "Number", q.path_params.at("id"));
          return json_response(200, [&](json_writer& out) { write_number(out, *n); });
        }));
  r.add("DELETE", "/api/v1/numbers/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          return delete_number(api, q, w);
        }));
}

}  // namespace dialer::http
