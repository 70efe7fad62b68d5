#include "actors/engine.hpp"
#include "core/compliance_policy.hpp"
#include "core/outbound_call.hpp"
#include "core/phone_number.hpp"
#include "http/api_support.hpp"
#include "http/compliance_codec.hpp"
#include "http/handlers.hpp"
#include "storage/catalog.hpp"
#include "storage/compliance.hpp"
#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"
#include "storage/outbound_calls.hpp"

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
  for (auto [name, slot] :
       {std::pair{"from_date", &f.from_date}, std::pair{"to_date", &f.to_date}}) {
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

/// POST /calls/outbound: one call now. Refused (422) when the compliance decision for now
/// blocks it; else stored as a running one-lead campaign of kind outbound, whose actor decides
/// again in the journal's transaction before it dials.
response outbound(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  auto to_number = p.e164("to_number", false);
  auto from = p.e164("from_number", true);
  auto agent_id = p.integer("agent_id", true, 1, INT64_MAX);
  auto lead_id = p.integer("lead_id", false, 1, INT64_MAX);
  auto metadata = p.object_json("metadata");
  if (agent_id && !storage::find_agent(api.db, who.tenant_id, *agent_id))
    p.reject("agent_id", "no such agent");
  if (from && !storage::find_number_by_e164(api.db, who.tenant_id, *from))
    p.reject("from_number", "is not one of your numbers");
  if (!p.errors().empty()) return validation_error(req, p.errors());

  // The decision for now, as GET /compliance/check makes it for an outbound call's campaign
  // (no campaign windows or dates, DNC excluded).
  const auto& policy = *api.policy;
  const epoch_ms now = api.clock.now_ms();
  auto book = policy.compile(storage::list_rule_overrides(api.db, who.tenant_id), std::nullopt);
  const epoch_ms since = now - book.attempt_lookback_ms;
  dial_subject subject;
  std::optional<std::string> lead_phone;
  if (lead_id) {
    auto facts = storage::read_lead_dial_facts(api.db, who.tenant_id, *lead_id, since);
    if (!facts) return not_found(req, "LEAD_NOT_FOUND", "Lead", std::to_string(*lead_id));
    subject = std::move(facts->subject);
    lead_phone = subject.phone;
  }
  auto number = choose_outbound_number(to_number, lead_phone);
  if (!number.error.empty()) return validation_error(req, {{"to_number", number.error}});
  if (!lead_id)
    subject = storage::read_number_dial_facts(api.db, who.tenant_id, number.phone, since);
  auto verdict = policy.decide(book, subject, campaign_facts{}, now);
  if (!verdict.decision.allowed)
    return compliance_violation(req,
                                "Calling " + number.phone + " now is not allowed (" +
                                    std::string(to_string(verdict.decision.reason)) + ")",
                                encode_compliance_verdict(verdict, now));

  storage::outbound_call call;
  call.name = outbound_call_name(number.phone);
  call.agent_id = *agent_id;
  call.from_number = *from;
  call.phone = number.phone;
  call.metadata_json = metadata.value_or("{}");
  if (lead_id) {
    call.source_lead_id = *lead_id;
  } else if (auto parsed = parse_phone_number(number.phone); parsed.number) {
    call.country_iso = parsed.number->country;
  }
  auto created = storage::create_outbound_call(api.db, who.tenant_id, call);
  if (created.result == storage::outbound_result::lead_not_found)
    return not_found(req, "LEAD_NOT_FOUND", "Lead", std::to_string(*lead_id));
  if (created.result == storage::outbound_result::phone_changed)
    return conflict(req, "CONFLICT",
                    "Lead " + std::to_string(*lead_id) + " changed its number meanwhile; retry");
  api.engine.campaign_status_changed(who.tenant_id, created.campaign_id, campaign_status::running);
  return json_response(202, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "campaign_id", created.campaign_id);
    put_int(w, "lead_id", created.lead_id);
    put(w, "to_number", number.phone);
    put(w, "status", "queued");
    w.EndObject();
  });
}

}  // namespace

void add_call_routes(router& r, api_context& api) {
  r.add("GET", "/api/v1/calls", authenticated(api, [&api](const request& q, const principal& w) {
          return list(api, q, w);
        }));
  r.add("POST", "/api/v1/calls/outbound",
        authenticated(
            api, [&api](const request& q, const principal& w) { return outbound(api, q, w); }));
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
