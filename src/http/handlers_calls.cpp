#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"

namespace dialer::http {
namespace {

void write_call(json_writer& w, const storage::call_row& c, bool with_segments) {
  w.StartObject();
  put_int(w, "id", c.id);
  put_int(w, "campaign_id", c.campaign_id);
  put_int(w, "lead_id", c.lead_id);
  put_int(w, "attempt_no", c.attempt_no);
  put(w, "provider_call_id", c.provider_call_id);
  put(w, "status", c.state);
  put(w, "from_number", c.from_number);
  put(w, "to_number", c.to_number);
  put(w, "disconnection_reason", c.disconnection_reason);
  put(w, "disposition", c.disposition);
  put_opt_int(w, "duration_seconds",
              c.duration_ms ? std::optional<std::int64_t>(*c.duration_ms / 1000) : std::nullopt);
  put_opt_int(w, "cost_cents", c.cost_cents);
  put(w, "summary", c.summary);
  put(w, "sentiment", c.sentiment);
  put(w, "recording_url", c.recording_url);
  put(w, "created_at", c.created_at);
  put_opt(w, "started_at", c.started_at);
  put_opt(w, "ended_at", c.ended_at);
  if (with_segments) {
    put(w, "transcript", c.transcript);
    w.Key("segments");
    w.StartArray();
    for (const auto& s : c.segments) {
      w.StartObject();
      put_int(w, "seq", s.seq);
      put(w, "role", s.role);
      put(w, "content", s.content);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

response list(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  storage::call_filter f;
  std::tie(f.limit, f.offset) = paging(req, errors);
  f.campaign_id = query_id(req, "campaign_id", errors);
  f.lead_id = query_id(req, "lead_id", errors);
  if (const auto* s = req.query_param("status")) {
    if (!parse_attempt_state(*s))
      errors.push_back({"status", "unknown call status"});
    else
      f.status = *s;
  }
  for (auto [name, slot] : {std::pair{"from_date", &f.from_date}, std::pair{"to_date", &f.to_date}}) {
    if (const auto* s = req.query_param(name)) {
      auto t = parse_iso8601(*s);
      if (!t)
        errors.push_back({name, "must be an ISO 8601 UTC time"});
      else
        *slot = format_iso8601(*t);
    }
  }
  if (!errors.empty()) return validation_error(req, errors);
  auto page = storage::list_calls(api.db, who.tenant_id, f);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "total", page.total);
    w.Key("items");
    w.StartArray();
    for (const auto& c : page.items) write_call(w, c, false);
    w.EndArray();
    w.Key("pagination");
    w.StartObject();
    put_int(w, "limit", f.limit);
    put_int(w, "offset", f.offset);
    w.EndObject();
    w.EndObject();
  });
}

/// GET /leads/{id}/calls: the lead's calls, newest first, paged like /calls.
response calls_of_lead(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  if (!id || !storage::find_lead(api.db, who.tenant_id, *id))
    return not_found(req, "LEAD_NOT_FOUND", "Lead", req.path_params.at("id"));
  field_errors errors;
  storage::call_filter f;
  std::tie(f.limit, f.offset) = paging(req, errors);
  if (!errors.empty()) return validation_error(req, errors);
  f.lead_id = *id;
  auto page = storage::list_calls(api.db, who.tenant_id, f);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "lead_id", *id);
    put_int(w, "total", page.total);
    w.Key("items");
    w.StartArray();
    for (const auto& c : page.items) write_call(w, c, false);
    w.EndArray();
    w.Key("pagination");
    w.StartObject();
    put_int(w, "limit", f.limit);
    put_int(w, "offset", f.offset);
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace

void add_call_routes(router& r, api_context& api) {
  r.add("GET", "/api/v1/calls", authenticated(api, [&api](const request& q, const principal& w) {
          return list(api, q, w);
        }));
  r.add("GET", "/api/v1/calls/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          auto c = id ? storage::find_call(api.db, w.tenant_id, *id) : std::nullopt;
          if (!c) return not_found(q, "CALL_NOT_FOUND", "Call", q.path_params.at("id"));
          return json_response(200, [&](json_writer& out) { write_call(out, *c, true); });
        }));
  r.add("GET", "/api/v1/leads/{id}/calls",
        authenticated(api, [&api](const request& q, const principal& w) {
          return calls_of_lead(api, q, w);
        }));
}

}  // namespace dialer::http
