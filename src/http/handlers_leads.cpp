#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "storage/campaigns.hpp"
#include "storage/leads.hpp"

namespace dialer::http {
namespace {

void write_lead(json_writer& w, const storage::lead_row& l) {
  w.StartObject();
  put_int(w, "id", l.id);
  put_opt_int(w, "campaign_id", l.campaign_id);
  put(w, "name", l.name);
  put(w, "phone", l.phone);
  put(w, "email", l.email);
  put(w, "company", l.company);
  put(w, "country_iso", l.country_iso);
  put(w, "timezone", l.timezone);
  put(w, "nature", l.nature);
  put(w, "consent_status", l.consent_status);
  put(w, "consent_basis", l.consent_basis);
  w.Key("quiet_hours_disabled");
  w.Bool(l.quiet_hours_disabled);
  put_int(w, "priority", l.priority);
  put_raw(w, "metadata", l.metadata_json);
  put(w, "status", l.status);
  put_int(w, "attempts", l.attempts);
  put_opt(w, "next_attempt_at", l.next_attempt_at);
  put(w, "last_disposition", l.last_disposition);
  put(w, "terminal_reason", l.terminal_reason);
  put(w, "created_at", l.created_at);
  w.EndObject();
}

/// Reads one lead payload; the campaign, when named, must be the caller's.
storage::lead_row read_lead(api_context& api, payload& p, const principal& who) {
  storage::lead_row l;
  auto phone = p.e164("phone", true);
  l.name = p.text("name", false, 200).value_or("");
  l.email = p.text("email", false, 254).value_or("");
  if (!l.email.empty() && !is_email(l.email)) p.reject("email", "must be an e-mail address");
  l.company = p.text("company", false, 200).value_or("");
  l.country_iso = p.text("country_iso", false, 2).value_or("");
  if (!l.country_iso.empty() &&
      (l.country_iso.size() != 2 || !std::isupper(static_cast<unsigned char>(l.country_iso[0])) ||
       !std::isupper(static_cast<unsigned char>(l.country_iso[1]))))
    p.reject("country_iso", "must be an ISO 3166 alpha-2 code such as US");
  l.timezone = p.text("timezone", false, 64).value_or("");
  l.nature = p.one_of("nature", {"b2b", "b2c", "unknown"}).value_or("unknown");
  l.consent_status = p.one_of("consent_status", {"granted", "denied", "unknown"}).value_or("unknown");
  l.consent_basis = p.text("consent_basis", false, 200).value_or("");
  l.quiet_hours_disabled = p.boolean("quiet_hours_disabled").value_or(false);
  l.priority = static_cast<std::int32_t>(p.integer("priority", false, -1000, 1000).value_or(0));
  l.metadata_json = p.object_json("metadata").value_or("{}");
  if (auto campaign = p.integer("campaign_id", false, 1, INT64_MAX)) {
    if (!storage::find_campaign(api.db, who.tenant_id, *campaign))
      p.reject("campaign_id", "no such campaign");
    else
      l.campaign_id = *campaign;
  }
  if (phone) l.phone = *phone;
  return l;
}

response create_leads(api_context& api, const request& req, const principal& who) {
  rapidjson::Document doc;
  doc.Parse(req.body.data(), req.body.size());
  if (doc.HasParseError() || (!doc.IsObject() && !doc.IsArray())) return malformed_json(req);
  if (doc.IsObject()) {
    payload p(doc, "");
    auto lead = read_lead(api, p, who);
    if (!p.errors().empty()) return validation_error(req, p.errors());
    auto stored = storage::insert_lead(api.db, who.tenant_id, lead);
    return json_response(201, [&](json_writer& w) { write_lead(w, stored); });
  }
  // An array: every lead is checked first, and nothing is stored unless all are valid.
  if (doc.Size() == 0 || doc.Size() > 10'000)
    return validation_error(req, {{"leads", "must hold between 1 and 10000 leads"}});
  std::vector<storage::lead_row> rows;
  field_errors errors;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    payload p(doc[i], "[" + std::to_string(i) + "].");
    if (p.malformed()) {
      errors.push_back({"[" + std::to_string(i) + "]", "must be an object"});
      continue;
    }
    rows.push_back(read_lead(api, p, who));
    errors.insert(errors.end(), p.errors().begin(), p.errors().end());
  }
  if (!errors.empty()) return validation_error(req, errors);
  auto ids = storage::insert_leads(api.db, who.tenant_id, rows);
  return json_response(201, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "imported", static_cast<std::int64_t>(ids.size()));
    w.Key("ids");
    w.StartArray();
    for (auto id : ids) w.Int64(id);
    w.EndArray();
    w.EndObject();
  });
}

response list(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  storage::lead_filter f;
  std::tie(f.limit, f.offset) = paging(req, errors);
  f.campaign_id = query_id(req, "campaign_id", errors);
  if (const auto* s = req.query_param("country_iso")) f.country_iso = *s;
  if (const auto* s = req.query_param("consent_status")) f.consent_status = *s;
  if (const auto* s = req.query_param("status")) {
    if (!parse_lead_status(*s))
      errors.push_back({"status", "unknown lead status"});
    else
      f.status = *s;
  }
  if (const auto* s = req.query_param("q")) f.q = *s;
  if (!errors.empty()) return validation_error(req, errors);
  auto page = storage::list_leads(api.db, who.tenant_id, f);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "total", page.total);
    w.Key("items");
    w.StartArray();
    for (const auto& l : page.items) write_lead(w, l);
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

void add_lead_routes(router& r, api_context& api) {
  r.add("POST", "/api/v1/leads", authenticated(api, [&api](const request& q, const principal& w) {
          return create_leads(api, q, w);
        }));
  r.add("GET", "/api/v1/leads", authenticated(api, [&api](const request& q, const principal& w) {
          return list(api, q, w);
        }));
  r.add("GET", "/api/v1/leads/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          auto l = id ? storage::find_lead(api.db, w.tenant_id, *id) : std::nullopt;
          if (!l) return not_found(q, "LEAD_NOT_FOUND", "Lead", q.path_params.at("id"));
          return json_response(200, [&](json_writer& out) { write_lead(out, *l); });
        }));
}

}  // namespace dialer::http
