#include <algorithm>

#include "actors/engine.hpp"
#include "core/compliance_policy.hpp"
#include "core/csv_reader.hpp"
#include "core/outbound_call.hpp"
#include "core/phone_number.hpp"
#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "http/lead_csv.hpp"
#include "http/multipart.hpp"
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

/// Checks the lead's explicit zone against tzdata and derives its country from the number when
/// none is given (API.md: derived when omitted); problems go in `errors`.
void complete_lead(const api_context& api, storage::lead_row& l, field_errors& errors) {
  if (!l.timezone.empty() && api.policy && !api.policy->zone(l.timezone))
    errors.push_back({"timezone", "must be an IANA time zone such as America/New_York"});
  if (l.country_iso.empty() && !l.phone.empty())
    if (auto parsed = parse_phone_number(l.phone); parsed.number)
      l.country_iso = parsed.number->country;
}

/// Applies the lead fields present in `p` onto `l` (a new lead needs a phone); the campaign,
/// when named, must be the caller's, and null detaches the lead from its campaign.
void read_lead(api_context& api, payload& p, const principal& who, storage::lead_row& l,
               bool creating) {
  if (auto phone = p.e164("phone", creating)) l.phone = *phone;
  if (auto v = p.text("name", false, 200)) l.name = *v;
  if (auto v = p.text("email", false, 254)) {
    if (!v->empty() && !is_email(*v)) p.reject("email", "must be an e-mail address");
    l.email = *v;
  }
  if (auto v = p.text("company", false, 200)) l.company = *v;
  if (auto v = p.text("country_iso", false, 2)) {
    if (!v->empty() && (v->size() != 2 || !std::isupper(static_cast<unsigned char>((*v)[0])) ||
                        !std::isupper(static_cast<unsigned char>((*v)[1]))))
      p.reject("country_iso", "must be an ISO 3166 alpha-2 code such as US");
    l.country_iso = *v;
  }
  if (auto v = p.text("timezone", false, 64)) l.timezone = *v;
  if (auto v = p.one_of("nature", {"b2b", "b2c", "unknown"})) l.nature = *v;
  if (auto v = p.one_of("consent_status", {"granted", "denied", "unknown"})) l.consent_status = *v;
  if (auto v = p.text("consent_basis", false, 200)) l.consent_basis = *v;
  if (auto v = p.boolean("quiet_hours_disabled")) l.quiet_hours_disabled = *v;
  if (auto v = p.integer("priority", false, -1000, 1000))
    l.priority = static_cast<std::int32_t>(*v);
  if (auto v = p.object_json("metadata")) l.metadata_json = *v;
  if (is_null_member(p, "campaign_id")) {
    l.campaign_id.reset();
  } else if (auto campaign = p.integer("campaign_id", false, 1, INT64_MAX)) {
    auto c = storage::find_campaign(api.db, who.tenant_id, *campaign);
    if (!c)
      p.reject("campaign_id", "no such campaign");
    else if (!takes_changes(c->kind))
      p.reject("campaign_id", "is an outbound call, which takes no other lead");
    else
      l.campaign_id = *campaign;
  }
  field_errors derived;
  complete_lead(api, l, derived);
  for (auto& e : derived) p.reject(std::move(e.field), std::move(e.message));
}

/// A new lead read from one payload.
storage::lead_row read_lead(api_context& api, payload& p, const principal& who) {
  storage::lead_row l;
  read_lead(api, p, who, l, true);
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

/// PATCH /leads/{id}: the fields given replace the stored ones, unless the lead is being called.
response patch_lead(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto current = id ? storage::find_lead(api.db, who.tenant_id, *id) : std::nullopt;
  if (!current) return not_found(req, "LEAD_NOT_FOUND", "Lead", req.path_params.at("id"));
  payload p(req.body);
  if (p.malformed()) return malformed_json(req);
  storage::lead_row lead = *current;
  read_lead(api, p, who, lead, false);
  if (!p.errors().empty()) return validation_error(req, p.errors());
  storage::guarded_update<storage::lead_row> updated;
  try {
    updated = storage::update_lead(api.db, who.tenant_id, *id, lead);
    // In progress only as a standby dial, not sent yet: withdrawn, so that the edit (a consent
    // revoked, say) decides the lead's next dial.
    if (updated.result == storage::change_result::in_progress &&
        api.engine.withdraw_standby(who.tenant_id, *id))
      updated = storage::update_lead(api.db, who.tenant_id, *id, lead);
  } catch (const storage::conflict_error&) {
    return conflict(req, "CONFLICT", "The campaign already has a lead with this phone number");
  }
  if (updated.result == storage::change_result::in_progress)
    return conflict(req, "INVALID_STATE", "Lead " + std::to_string(*id) + " is being called");
  if (updated.result != storage::change_result::applied)
    return not_found(req, "LEAD_NOT_FOUND", "Lead", req.path_params.at("id"));
  return json_response(200, [&](json_writer& w) { write_lead(w, updated.row); });
}

response delete_lead(api_context& api, const request& req, const principal& who) {
  auto id = path_id(req);
  auto result =
      id ? storage::delete_lead(api.db, who.tenant_id, *id) : storage::change_result::not_found;
  switch (result) {
    case storage::change_result::applied:
      return no_content();
    case storage::change_result::in_progress:
      return conflict(req, "INVALID_STATE", "Lead " + std::to_string(*id) + " is being called");
    case storage::change_result::in_use:
      return conflict(req, "CONFLICT",
                      "Lead " + std::to_string(*id) +
                          " has call attempts and is kept for the call"
                          " history; stop its campaign or PATCH it instead");
    default:
      return not_found(req, "LEAD_NOT_FOUND", "Lead", req.path_params.at("id"));
  }
}

/// Largest CSV body a bulk import accepts (other routes keep the server's limit).
constexpr std::size_t bulk_import_max_body_bytes = 64u << 20;
/// Leads inserted per statement by a bulk import.
constexpr std::size_t import_batch_rows = 1000;
/// Row errors listed in an import's answer; the rest are only counted.
constexpr std::size_t listed_import_errors = 1000;

/// One row refused by a bulk import.
struct import_error {
  std::int64_t line;
  std::string field;
  std::string message;
};

/// The running tally of one bulk import: rows read, inserted in batches, refused with reasons.
class lead_import {
 public:
  lead_import(api_context& api, id_t tenant_id, std::optional<id_t> campaign_id)
      : api_(api), tenant_id_(tenant_id), campaign_id_(campaign_id) {
    batch_.reserve(import_batch_rows);
    lines_.reserve(import_batch_rows);
  }

  /// A row that passed validation; inserted with its batch.
  void add(storage::lead_row lead, std::int64_t line) {
    field_errors derived;
    complete_lead(api_, lead, derived);
    if (!derived.empty()) {
      count_failed();
      for (auto& e : derived) refuse(line, std::move(e.field), std::move(e.message));
      return;
    }
    batch_.push_back(std::move(lead));
    lines_.push_back(line);
    if (batch_.size() >= import_batch_rows) flush();
  }

  /// A row refused for `field`.
  void refuse(std::int64_t line, std::string field, std::string message) {
    if (errors_.size() < listed_import_errors)
      errors_.push_back({line, std::move(field), std::move(message)});
    else
      truncated_ = true;
  }

  /// Counts a refused row once, whatever number of errors it had.
  void count_failed() { ++failed_; }

  /// Inserts the pending batch; its duplicates become row errors.
  void flush() {
    if (batch_.empty()) return;
    auto inserted = storage::insert_new_leads(api_.db, tenant_id_, campaign_id_, batch_);
    for (std::size_t i = 0; i < inserted.size(); ++i) {
      if (inserted[i]) {
        ++imported_;
      } else {
        ++failed_;
        refuse(lines_[i], "phone",
               campaign_id_ ? "duplicate: the campaign already has a lead with this phone number"
                            : "duplicate: a lead without a campaign already has this phone number");
      }
    }
    batch_.clear();
    lines_.clear();
  }

  /// The answer: {imported, failed, errors: [{line, field, message}], ...}.
  response answer(const std::vector<std::string>& ignored_columns) {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const import_error& a, const import_error& b) { return a.line < b.line; });
    return json_response(200, [&](json_writer& w) {
      w.StartObject();
      put_int(w, "imported", imported_);
      put_int(w, "failed", failed_);
      w.Key("errors");
      w.StartArray();
      for (const auto& e : errors_) {
        w.StartObject();
        put_int(w, "line", e.line);
        put(w, "field", e.field);
        put(w, "message", e.message);
        w.EndObject();
      }
      w.EndArray();
      w.Key("errors_truncated");
      w.Bool(truncated_);
      put_opt_int(w, "campaign_id", campaign_id_);
      w.Key("ignored_columns");
      w.StartArray();
      for (const auto& c : ignored_columns) put(w, c);
      w.EndArray();
      w.EndObject();
    });
  }

 private:
  api_context& api_;
  id_t tenant_id_;
  std::optional<id_t> campaign_id_;
  std::vector<storage::lead_row> batch_;
  std::vector<std::int64_t> lines_;
  std::vector<import_error> errors_;
  bool truncated_ = false;
  std::int64_t imported_ = 0;
  std::int64_t failed_ = 0;
};

/// POST /leads/bulk-import?campaign_id=: reads the CSV row by row and inserts the good rows in
/// batches; a bad or duplicate row is reported by line and never blocks the others.
response bulk_import(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  auto campaign_id = query_id(req, "campaign_id", errors);
  if (!errors.empty()) return validation_error(req, errors);
  if (campaign_id) {
    auto c = storage::find_campaign(api.db, who.tenant_id, *campaign_id);
    if (!c) return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", std::to_string(*campaign_id));
    if (!takes_changes(c->kind))
      return conflict(req, "INVALID_STATE",
                      "Campaign " + std::to_string(c->id) +
                          " is an outbound call and takes no "
                          "other lead");
    if (c->status == "completed" || c->status == "cancelled")
      return conflict(
          req, "INVALID_STATE",
          "Campaign " + std::to_string(c->id) + " is " + c->status + " and takes no new leads");
  }
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
  auto layout = layout_of(record.fields, errors);
  if (!errors.empty()) return validation_error(req, errors);

  lead_import import(api, who.tenant_id, campaign_id);
  field_errors row_errors;
  while (reader.next(record)) {
    if (!record.error.empty()) {
      import.count_failed();
      import.refuse(record.line, "row", record.error);
      continue;
    }
    row_errors.clear();
    auto lead = lead_of_row(layout, record.fields, row_errors);
    if (!row_errors.empty()) {
      import.count_failed();
      for (auto& e : row_errors)
        import.refuse(record.line, std::move(e.field), std::move(e.message));
      continue;
    }
    import.add(std::move(lead), record.line);
  }
  import.flush();
  return import.answer(layout.ignored);
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
  r.add("PATCH", "/api/v1/leads/{id}",
        authenticated(
            api, [&api](const request& q, const principal& w) { return patch_lead(api, q, w); }));
  r.add("DELETE", "/api/v1/leads/{id}",
        authenticated(
            api, [&api](const request& q, const principal& w) { return delete_lead(api, q, w); }));
  r.add("POST", "/api/v1/leads/bulk-import",
        authenticated(
            api, [&api](const request& q, const principal& w) { return bulk_import(api, q, w); }),
        bulk_import_max_body_bytes);
}

}  // namespace dialer::http
