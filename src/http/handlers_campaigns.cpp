#include "actors/engine.hpp"
#include "core/campaign_lifecycle.hpp"
#include "core/outbound_call.hpp"
#include "http/api_support.hpp"
#include "http/compliance_codec.hpp"
#include "http/handlers.hpp"
#include "storage/campaigns.hpp"
#include "storage/catalog.hpp"

namespace dialer::http {
namespace {

void write_campaign(json_writer& w, const storage::campaign_row& c) {
  w.StartObject();
  put_int(w, "id", c.id);
  put(w, "name", c.name);
  put_int(w, "agent_id", c.agent_id);
  put(w, "from_number", c.from_number);
  put(w, "timezone", c.timezone);
  put_opt(w, "start_date", c.start_date);
  put_opt(w, "end_date", c.end_date);
  put_raw(w, "quiet_hours", c.quiet_hours_json);
  put_int(w, "max_concurrent_calls", c.max_concurrent_calls);
  put_opt_int(w, "max_calls_per_hour", c.max_calls_per_hour);
  put_opt_int(w, "max_calls_per_day", c.max_calls_per_day);
  put_int(w, "calls_per_second", c.calls_per_second);
  put_opt_int(w, "budget_cents", c.budget_cents);
  put_int(w, "est_cost_per_call_cents", c.est_cost_per_call_cents);
  put_int(w, "max_attempts", c.max_attempts);
  w.Key("retry");
  w.StartObject();
  put_int(w, "no_answer_s", c.retry.no_answer_s);
  put_int(w, "busy_s", c.retry.busy_s);
  put_int(w, "voicemail_s", c.retry.voicemail_s);
  put_int(w, "failed_s", c.retry.failed_s);
  w.EndObject();
  put_raw(w, "lead_filters", c.lead_filters_json);
  w.Key("exclude_dnc");
  w.Bool(c.exclude_dnc);
  put_raw(w, "metadata", c.metadata_json);
  put(w, "status", c.status);
  put(w, "kind", c.kind);
  put(w, "created_at", c.created_at);
  put(w, "updated_at", c.updated_at);
  w.EndObject();
}

/// Applies the campaign fields present in `p` onto `c`; a new campaign needs a name, agent and
/// caller number, which must be the caller's. Null clears an optional limit or date.
void read_campaign(api_context& api, payload& p, const principal& who, storage::campaign_row& c,
                   bool creating) {
  auto required = [&](const char* name) { return creating || p.has(name); };
  if (auto v = p.text("name", required("name"), 200)) c.name = *v;
  auto agent_id = p.integer("agent_id", required("agent_id"), 1, INT64_MAX);
  auto from = p.e164("from_number", required("from_number"));
  if (auto v = p.text("timezone", false, 64)) c.timezone = *v;
  for (auto [name, slot] :
       {std::pair{"start_date", &c.start_date}, std::pair{"end_date", &c.end_date}}) {
    if (is_null_member(p, name))
      slot->reset();
    else if (auto t = p.instant(name))
      *slot = format_iso8601(*t);
  }
  if (c.start_date && c.end_date &&
      parse_iso8601(*c.end_date).value_or(0) <= parse_iso8601(*c.start_date).value_or(0))
    p.reject("end_date", "must be after start_date");
  if (auto v = p.object_json("quiet_hours")) {
    // {} means "no campaign windows" (the tenant's or the country's apply); anything else must
    // be valid windows, which a legal floor may still narrow.
    if (v->find_first_not_of("{} \t\r\n") != std::string::npos) {
      auto windows = decode_calling_windows(*v);
      for (const auto& e : windows.errors) p.reject("quiet_hours", e);
    }
    c.quiet_hours_json = *v;
  }
  if (auto v = p.integer("max_concurrent_calls", false, 1, 100'000))
    c.max_concurrent_calls = static_cast<std::int32_t>(*v);
  if (is_null_member(p, "max_calls_per_hour"))
    c.max_calls_per_hour.reset();
  else if (auto v = p.integer("max_calls_per_hour", false, 1, 10'000'000))
    c.max_calls_per_hour = static_cast<std::int32_t>(*v);
  if (is_null_member(p, "max_calls_per_day"))
    c.max_calls_per_day.reset();
  else if (auto v = p.integer("max_calls_per_day", false, 1, 100'000'000))
    c.max_calls_per_day = static_cast<std::int32_t>(*v);
  if (auto v = p.integer("calls_per_second", false, 1, 16))
    c.calls_per_second = static_cast<std::int32_t>(*v);
  if (is_null_member(p, "budget_cents"))
    c.budget_cents.reset();
  else if (auto v = p.integer("budget_cents", false, 0, INT64_MAX / 2))
    c.budget_cents = *v;
  if (auto v = p.integer("est_cost_per_call_cents", false, 0, 1'000'000))
    c.est_cost_per_call_cents = *v;
  if (auto v = p.integer("max_attempts", false, 1, 20))
    c.max_attempts = static_cast<std::int32_t>(*v);
  if (p.has("retry")) {
    const auto& root = p.root();
    if (!root["retry"].IsObject()) {
      p.reject("retry", "must be an object");
    } else {
      payload r(root["retry"], "retry.");
      const std::int64_t week = 7 * 24 * 3600;
      c.retry.no_answer_s = r.integer("no_answer_s", false, 0, week).value_or(c.retry.no_answer_s);
      c.retry.busy_s = r.integer("busy_s", false, 0, week).value_or(c.retry.busy_s);
      c.retry.voicemail_s = r.integer("voicemail_s", false, 0, week).value_or(c.retry.voicemail_s);
      c.retry.failed_s = r.integer("failed_s", false, 0, week).value_or(c.retry.failed_s);
      for (const auto& e : r.errors()) p.reject(e.field, e.message);
    }
  }
  if (auto v = p.object_json("lead_filters")) c.lead_filters_json = *v;
  if (auto v = p.boolean("exclude_dnc")) c.exclude_dnc = *v;
  if (auto v = p.object_json("metadata")) c.metadata_json = *v;
  if (agent_id) {
    if (!storage::find_agent(api.db, who.tenant_id, *agent_id))
      p.reject("agent_id", "no such agent");
    else
      c.agent_id = *agent_id;
  }
  if (from) {
    if (!storage::find_number_by_e164(api.db, who.tenant_id, *from))
      p.reject("from_number", "is not one of your numbers");
    else
      c.from_number = *from;
  }
}

response create(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::campaign_row c;
  read_campaign(api, p, who, c, true);
  if (!p.errors().empty()) return validation_error(req, p.errors());
  auto stored = storage::insert_campaign(api.db, who.tenant_id, c);
  return json_response(201, [&](json_writer& w) { write_campaign(w, stored); });
}

/// PATCH /campaigns/{id}: the fields given replace the stored ones while the campaign is draft
/// or paused.
response patch(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto current = id ? storage::find_campaign(api.db, who.tenant_id, *id) : std::nullopt;
  if (!current) return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", req.path_params.at("id"));
  auto wrong_state = [&](const std::string& status) {
    return conflict(req, "INVALID_STATE",
                    "Campaign " + std::to_string(*id) + " is " + status +
                        "; only draft or paused campaigns can be changed");
  };
  if (!takes_changes(current->kind))
    return conflict(
        req, "INVALID_STATE",
        "Campaign " + std::to_string(*id) + " is an outbound call; its settings cannot be changed");
  if (current->status != "draft" && current->status != "paused")
    return wrong_state(current->status);
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::campaign_row c = *current;
  read_campaign(api, p, who, c, false);
  if (!p.errors().empty()) return validation_error(req, p.errors());
  auto updated = storage::update_campaign(api.db, who.tenant_id, *id, c);
  if (updated.result == storage::change_result::wrong_state) {
    auto now = storage::find_campaign(api.db, who.tenant_id, *id);
    return wrong_state(now ? now->status : "gone");
  }
  if (updated.result != storage::change_result::applied)
    return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", req.path_params.at("id"));
  return json_response(200, [&](json_writer& w) { write_campaign(w, updated.row); });
}

response command(api_context& api, const request& req, const principal& who, campaign_command cmd) {
  auto id = path_id(req);
  auto c = id ? storage::find_campaign(api.db, who.tenant_id, *id) : std::nullopt;
  if (!c) return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", req.path_params.at("id"));
  auto current = parse_campaign_status(c->status).value_or(campaign_status::completed);
  bool in_future = false;
  if (c->start_date) in_future = parse_iso8601(*c->start_date).value_or(0) > api.clock.now_ms();
  auto next = next_status(current, cmd, in_future);
  if (!next)
    return error_response(409, "INVALID_STATE",
                          "Campaign " + std::to_string(c->id) + " is " + c->status, req.request_id);
  auto updated = storage::transition_campaign(api.db, who.tenant_id, c->id, current, *next);
  if (!updated)
    return error_response(409, "INVALID_STATE", "Campaign changed status meanwhile; retry",
                          req.request_id);
  api.engine.campaign_status_changed(who.tenant_id, c->id, *next);
  return json_response(200, [&](json_writer& w) { write_campaign(w, *updated); });
}

response stats(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto c = id ? storage::find_campaign(api.db, who.tenant_id, *id) : std::nullopt;
  if (!c) return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", req.path_params.at("id"));
  auto s = storage::stats_of_campaign(api.db, who.tenant_id, c->id, api.clock.now_ms());
  storage::count_standbys_as_queued(s, static_cast<std::int64_t>(
                                           api.engine.standbys_waiting(who.tenant_id, c->id)));
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "campaign_id", c->id);
    put(w, "status", c->status);
    put_int(w, "total_leads", s.total_leads);
    put_int(w, "calls_scheduled", s.calls_scheduled);
    put_int(w, "calls_in_progress", s.calls_in_progress);
    put_int(w, "calls_completed", s.calls_completed);
    put_int(w, "calls_failed", s.calls_failed);
    put_int(w, "calls_queued", s.calls_queued);
    put_int(w, "leads_terminal", s.leads_terminal);
    w.Key("completion_rate");
    w.Double(s.total_leads ? static_cast<double>(s.leads_terminal) / s.total_leads : 0.0);
    w.Key("average_duration_seconds");
    w.Double(s.average_duration_seconds);
    put_int(w, "spent_cents", s.spent_cents);
    put_int(w, "reserved_cents", s.reserved_cents);
    w.Key("dispositions");
    w.StartObject();
    for (const auto& [k, v] : s.dispositions) put_int(w, k.c_str(), v);
    w.EndObject();
    w.Key("blocked");
    w.StartObject();
    for (const auto& [k, v] : s.blocked) put_int(w, k.c_str(), v);
    w.EndObject();
    w.Key("block_reasons");
    w.StartObject();
    for (const auto& [k, v] : s.block_reasons) put_int(w, k.c_str(), v);
    w.EndObject();
    w.EndObject();
  });
}

response list(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  auto [limit, offset] = paging(req, errors);
  std::string status;
  if (const auto* s = req.query_param("status")) {
    if (!parse_campaign_status(*s))
      errors.push_back({"status", "unknown campaign status"});
    else
      status = *s;
  }
  if (!errors.empty()) return validation_error(req, errors);
  auto page = storage::list_campaigns(api.db, who.tenant_id, status, limit, offset);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "total", page.total);
    w.Key("items");
    w.StartArray();
    for (const auto& c : page.items) write_campaign(w, c);
    w.EndArray();
    w.Key("pagination");
    w.StartObject();
    put_int(w, "limit", limit);
    put_int(w, "offset", offset);
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace

void add_campaign_routes(router& r, api_context& api) {
  r.add("POST", "/api/v1/campaigns",
        authenticated(api,
                      [&api](const request& q, const principal& w) { return create(api, q, w); }));
  r.add(
      "GET", "/api/v1/campaigns",
      authenticated(api, [&api](const request& q, const principal& w) { return list(api, q, w); }));
  r.add("GET", "/api/v1/campaigns/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          auto c = id ? storage::find_campaign(api.db, w.tenant_id, *id) : std::nullopt;
          if (!c) return not_found(q, "CAMPAIGN_NOT_FOUND", "Campaign", q.path_params.at("id"));
          return json_response(200, [&](json_writer& out) { write_campaign(out, *c); });
        }));
  r.add("PATCH", "/api/v1/campaigns/{id}",
        authenticated(api,
                      [&api](const request& q, const principal& w) { return patch(api, q, w); }));
  r.add("GET", "/api/v1/campaigns/{id}/stats",
        authenticated(api,
                      [&api](const request& q, const principal& w) { return stats(api, q, w); }));
  const std::pair<const char*, campaign_command> commands[] = {{"start", campaign_command::start},
                                                               {"pause", campaign_command::pause},
                                                               {"resume", campaign_command::resume},
                                                               {"stop", campaign_command::stop}};
  for (const auto& [name, cmd] : commands) {
    campaign_command c = cmd;
    r.add("POST", std::string("/api/v1/campaigns/{id}/") + name,
          authenticated(api, [&api, c](const request& q, const principal& w) {
            return command(api, q, w, c);
          }));
  }
}

}  // namespace dialer::http
