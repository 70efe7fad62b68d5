// /compliance: the decision for a number or lead (check), the country rules with the tenant's
// overrides (rules), and the tenant's do-not-call list (dnc) with its CSV import.

#include <algorithm>

#include "actors/engine.hpp"
#include "core/compliance_policy.hpp"
#include "core/csv_reader.hpp"
#include "core/phone_number.hpp"
#include "http/api_support.hpp"
#include "http/compliance_codec.hpp"
#include "http/handlers.hpp"
#include "storage/campaigns.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"

namespace dialer::http {
namespace {

/// Largest CSV body a DNC import accepts.
constexpr std::size_t dnc_import_max_body_bytes = 64u << 20;
/// Row errors listed in an import's answer; the rest are only counted.
constexpr std::size_t listed_import_errors = 1000;

/// True for an ISO 3166-1 alpha-2 code in upper case.
bool is_country_code(std::string_view s) {
  return s.size() == 2 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void write_dnc(json_writer& w, const storage::dnc_row& d) {
  w.StartObject();
  put_int(w, "id", d.id);
  put(w, "phone", d.phone);
  put(w, "reason", d.reason);
  put(w, "source", d.source);
  put(w, "created_at", d.created_at);
  w.EndObject();
}

/// GET /compliance/check?to_number&lead_id&campaign_id&at: what the engine would decide.
response check(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  auto lead_id = query_id(req, "lead_id", errors);
  auto campaign_id = query_id(req, "campaign_id", errors);
  auto at_text = query_instant(req, "at", errors);
  const auto* to_number = req.query_param("to_number");
  if (to_number && !is_e164(*to_number))
    errors.push_back({"to_number", "must be an E.164 number such as +14155550123"});
  if (!to_number && !lead_id) errors.push_back({"to_number", "give to_number or lead_id"});
  if (!errors.empty()) return validation_error(req, errors);

  const auto& policy = *api.policy;
  const epoch_ms at = at_text ? *parse_iso8601(*at_text) : api.clock.now_ms();
  campaign_facts campaign;
  std::optional<weekly_windows> windows;
  if (campaign_id) {
    auto c = storage::find_campaign(api.db, who.tenant_id, *campaign_id);
    if (!c) return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", std::to_string(*campaign_id));
    windows = campaign_windows_of(policy.decoders(), c->quiet_hours_json);
    campaign.exclude_dnc = c->exclude_dnc;
    if (c->start_date) campaign.starts_at = parse_iso8601(*c->start_date);
    if (c->end_date) campaign.ends_at = parse_iso8601(*c->end_date);
  }
  auto book = policy.compile(storage::list_rule_overrides(api.db, who.tenant_id), windows);
  const epoch_ms since = at - book.attempt_lookback_ms;
  dial_subject subject;
  if (lead_id) {
    auto facts = storage::read_lead_dial_facts(api.db, who.tenant_id, *lead_id, since);
    if (!facts) return not_found(req, "LEAD_NOT_FOUND", "Lead", std::to_string(*lead_id));
    subject = std::move(facts->subject);
    if (to_number && *to_number != subject.phone)
      return validation_error(
          req, {{"to_number", "is not the number of lead " + std::to_string(*lead_id)}});
  } else {
    subject = storage::read_number_dial_facts(api.db, who.tenant_id, *to_number, since);
  }
  const auto body = encode_compliance_verdict(policy.decide(book, subject, campaign, at), at);
  return json_response(
      200, [&](json_writer& w) { w.RawValue(body.data(), body.size(), rapidjson::kObjectType); });
}

/// GET /compliance/rules?country_iso: each country's rule and the tenant's override of it.
response list_rules(api_context& api, const request& req, const principal& who) {
  const auto* only = req.query_param("country_iso");
  if (only && !is_country_code(*only))
    return validation_error(req, {{"country_iso", "must be two upper-case letters such as FR"}});
  const auto& policy = *api.policy;
  auto overrides = storage::list_rule_overrides(api.db, who.tenant_id);
  std::vector<std::string> countries;
  for (const auto& c : policy.countries()) countries.push_back(c.country);
  for (const auto& o : overrides)
    if (!policy.country(o.country)) countries.push_back(o.country);
  if (only) {
    if (std::find(countries.begin(), countries.end(), *only) == countries.end())
      return not_found(req, "RESOURCE_NOT_FOUND", "Country rule", *only);
    countries = {*only};
  }
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "total", static_cast<std::int64_t>(countries.size()));
    w.Key("items");
    w.StartArray();
    for (const auto& iso : countries) {
      w.StartObject();
      put(w, "country_iso", iso);
      const auto* rule = policy.country(iso);
      if (rule)
        put_raw(w, "rule", encode_country_rule(*rule));
      else
        put_raw(w, "rule", "null");
      auto o = std::find_if(overrides.begin(), overrides.end(),
                            [&](const tenant_override& t) { return t.country == iso; });
      put_raw(w, "tenant_override", o == overrides.end() ? std::string("null") : o->rule_json);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

/// PUT /compliance/rules/{country_iso}: the tenant's override (validated by the rule codec).
/// Its windows are narrowed to a country's legal floor when dials are decided.
response put_rule(api_context& api, const request& req, const principal& who) {
  const auto& iso = req.path_params.at("country_iso");
  if (!is_country_code(iso))
    return validation_error(req, {{"country_iso", "must be two upper-case letters such as FR"}});
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  auto decoded = decode_country_rule(iso, req.body);
  if (!decoded.ok()) {
    field_errors errors;
    for (auto& e : decoded.errors) {
      auto colon = e.find(": ");
      errors.push_back(colon == std::string::npos
                           ? field_error{"rule", e}
                           : field_error{e.substr(0, colon), e.substr(colon + 2)});
    }
    return validation_error(req, errors);
  }
  auto stored = encode_country_rule(*decoded.value);
  storage::put_rule_override(api.db, who.tenant_id, tenant_override{iso, stored});
  api.engine.rules_changed(who.tenant_id);  // its running campaigns decide under it from now
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put(w, "country_iso", iso);
    const auto* rule = api.policy->country(iso);
    put_raw(w, "rule", rule ? encode_country_rule(*rule) : std::string("null"));
    put_raw(w, "tenant_override", stored);
    w.EndObject();
  });
}

response list_dnc(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  auto [limit, offset] = paging(req, errors);
  if (!errors.empty()) return validation_error(req, errors);
  const auto* q = req.query_param("q");
  auto page =
      storage::list_dnc_numbers(api.db, who.tenant_id, q ? *q : std::string{}, limit, offset);
  return json_response(200, [&](json_writer& w) {
    write_page(w, page.total, page.items, limit, offset, write_dnc);
  });
}

response add_dnc(api_context& api, const request& req, const principal& who) {
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::dnc_row row;
  auto phone = p.e164("phone", true);
  row.reason = p.text("reason", false, 500).value_or("");
  if (!p.errors().empty()) return validation_error(req, p.errors());
  row.phone = *phone;
  row.source = "api";
  auto added = storage::add_dnc_number(api.db, who.tenant_id, row);
  if (!added) return conflict(req, "CONFLICT", row.phone + " is already on the do-not-call list");
  api.engine.compliance_changed(who.tenant_id);  // standbys decided before it are withdrawn
  return json_response(201, [&](json_writer& w) { write_dnc(w, *added); });
}

/// One refused line of an import.
struct import_error {
  std::int64_t line = 0;
  std::string field;
  std::string message;
};

/// POST /compliance/dnc/bulk-import: a CSV with a `phone` column (and optionally `reason`);
/// bad rows are reported by line, numbers already listed are counted as duplicates.
response import_dnc(api_context& api, const request& req, const principal& who) {
  std::optional<response> refusal;
  auto text = csv_of(req, refusal);
  if (!text) return std::move(*refusal);
  csv_reader reader(*text);
  csv_record record;
  if (!reader.next(record))
    return validation_error(req, {{"file", "is empty: expected a header row"}});
  if (!record.error.empty())
    return validation_error(
        req, {{"header", "line " + std::to_string(record.line) + ": " + record.error}});
  std::optional<std::size_t> phone_col, reason_col;
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    if (record.fields[i] == "phone") phone_col = i;
    if (record.fields[i] == "reason") reason_col = i;
  }
  if (!phone_col) return validation_error(req, {{"phone", "the header row has no phone column"}});

  std::vector<storage::dnc_row> rows;
  std::vector<import_error> refused;
  std::int64_t failed = 0;
  auto refuse = [&](std::int64_t line, std::string field, std::string message) {
    ++failed;
    if (refused.size() < listed_import_errors)
      refused.push_back({line, std::move(field), std::move(message)});
  };
  while (reader.next(record)) {
    if (!record.error.empty()) {
      refuse(record.line, "row", record.error);
      continue;
    }
    if (*phone_col >= record.fields.size()) {
      refuse(record.line, "phone", "is missing");
      continue;
    }
    const auto& phone = record.fields[*phone_col];
    if (!is_e164(phone)) {
      refuse(record.line, "phone", "must be an E.164 number such as +14155550123");
      continue;
    }
    storage::dnc_row row;
    row.phone = phone;
    if (reason_col && *reason_col < record.fields.size()) row.reason = record.fields[*reason_col];
    rows.push_back(std::move(row));
  }
  auto added = storage::import_dnc_numbers(api.db, who.tenant_id, rows);
  if (added > 0) api.engine.compliance_changed(who.tenant_id);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "imported", added);
    put_int(w, "duplicates", static_cast<std::int64_t>(rows.size()) - added);
    put_int(w, "failed", failed);
    w.Key("errors");
    w.StartArray();
    for (const auto& e : refused) {
      w.StartObject();
      put_int(w, "line", e.line);
      put(w, "field", e.field);
      put(w, "message", e.message);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

void add_compliance_routes(router& r, api_context& api) {
  r.add("GET", "/api/v1/compliance/check",
        authenticated(api,
                      [&api](const request& q, const principal& w) { return check(api, q, w); }));
  r.add("GET", "/api/v1/compliance/rules",
        authenticated(
            api, [&api](const request& q, const principal& w) { return list_rules(api, q, w); }));
  r.add("PUT", "/api/v1/compliance/rules/{country_iso}",
        admin_only(api,
                   [&api](const request& q, const principal& w) { return put_rule(api, q, w); }));
  r.add("GET", "/api/v1/compliance/dnc",
        authenticated(
            api, [&api](const request& q, const principal& w) { return list_dnc(api, q, w); }));
  r.add("POST", "/api/v1/compliance/dnc",
        authenticated(api,
                      [&api](const request& q, const principal& w) { return add_dnc(api, q, w); }));
  r.add("DELETE", "/api/v1/compliance/dnc/{id}",
        authenticated(api, [&api](const request& q, const principal& w) {
          auto id = path_id(q);
          if (!id || !storage::delete_dnc_number(api.db, w.tenant_id, *id))
            return not_found(q, "RESOURCE_NOT_FOUND", "DNC entry", q.path_params.at("id"));
          return no_content();
        }));
  r.add("POST", "/api/v1/compliance/dnc/bulk-import",
        authenticated(
            api, [&api](const request& q, const principal& w) { return import_dnc(api, q, w); }),
        dnc_import_max_body_bytes);
}

}  // namespace dialer::http
