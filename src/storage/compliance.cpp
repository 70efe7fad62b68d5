#include "storage/compliance.hpp"

#include "storage/compliance_tx.hpp"
#include "storage/database.hpp"

namespace dialer::storage {
namespace {

const std::string dnc_columns =
    "id, tenant_id, phone, reason, source, iso_utc(created_at) AS created_at";

const statement insert_dnc_sql{
    "dnc.insert",
    "INSERT INTO dnc_numbers (tenant_id, phone, reason, source) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING " +
        dnc_columns};

const statement import_dnc_sql{
    "dnc.import",
    "WITH added AS (INSERT INTO dnc_numbers (tenant_id, phone, reason, source)"
    " SELECT $1, p, r, 'import' FROM unnest($2::text[], $3::text[]) AS t (p, r)"
    " ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING 1) SELECT count(*) FROM added"};

const statement count_dnc_sql{
    "dnc.count",
    "SELECT count(*) FROM dnc_numbers WHERE tenant_id = $1 AND ($2 = '' OR phone LIKE $2)"};

const statement list_dnc_sql{"dnc.list", "SELECT " + dnc_columns +
                                             " FROM dnc_numbers WHERE tenant_id = $1"
                                             " AND ($2 = '' OR phone LIKE $2)"
                                             " ORDER BY id DESC LIMIT $3 OFFSET $4"};

const statement delete_dnc_sql{"dnc.delete",
                               "DELETE FROM dnc_numbers WHERE tenant_id = $1 AND id = $2"};

const statement is_dnc_sql{
    "dnc.contains",
    "SELECT EXISTS (SELECT 1 FROM dnc_numbers WHERE tenant_id = $1 AND phone = $2)"};

const statement list_overrides_sql{
    "rules.list_overrides",
    "SELECT country_iso, rule::text AS rule FROM compliance_rule_overrides"
    " WHERE tenant_id = $1 ORDER BY country_iso"};

const statement put_override_sql{
    "rules.put_override",
    "INSERT INTO compliance_rule_overrides (tenant_id, country_iso, rule)"
    " VALUES ($1, $2, $3::jsonb) ON CONFLICT (tenant_id, country_iso)"
    " DO UPDATE SET rule = EXCLUDED.rule, updated_at = now()"};

const std::string lead_facts_columns =
    "id, COALESCE(campaign_id, 0) AS campaign_id, attempts, status, phone, timezone, nature,"
    " consent_status, quiet_hours_disabled";

const statement lead_facts_sql{
    "compliance.lead_facts",
    "SELECT " + lead_facts_columns + " FROM leads WHERE tenant_id = $1 AND id = $2"};

const statement lock_lead_facts_sql{
    "compliance.lock_lead_facts",
    "SELECT " + lead_facts_columns +
        " FROM leads WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE"};

// Serializes decisions on one number of a tenant until commit: two campaigns must not both
// take the last attempt a rolling cap allows.
const statement lock_number_sql{
    "compliance.lock_number",
    "SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2, 7))"};

const statement number_history_sql{
    "compliance.number_history",
    "SELECT EXISTS (SELECT 1 FROM dnc_numbers WHERE tenant_id = $1 AND phone = $2) AS on_dnc,"
    " (SELECT ms_of_ts(max(created_at)) FROM dnc_numbers"
    "   WHERE tenant_id = $1 AND phone = $2 AND source = 'refusal') AS refused_at,"
    " COALESCE((SELECT array_agg(ms_of_ts(dialing_at) ORDER BY dialing_at) FROM call_attempts"
    "   WHERE tenant_id = $1 AND to_number = $2 AND dialing_at >= ts_of_ms($3)"
    "   AND state <> 'planned'), '{}')::text"
    "   AS attempts"};

const statement insert_check_sql{
    "compliance.insert_check",
    "INSERT INTO compliance_checks (tenant_id, campaign_id, lead_id, attempt_id, allowed,"
    " block_reason, blocked_check, checks, next_allowed_at, decided_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, ts_of_ms($9),"
    " COALESCE(ts_of_ms(NULLIF($10::bigint, 0)), now()))"};

dnc_row dnc_of(const pqxx::row& r) {
  dnc_row d;
  d.id = r["id"].as<id_t>();
  d.tenant_id = r["tenant_id"].as<id_t>();
  d.phone = text_of(r["phone"]);
  d.reason = text_of(r["reason"]);
  d.source = text_of(r["source"]);
  d.created_at = text_of(r["created_at"]);
  return d;
}

/// Parses a PostgreSQL bigint array literal ("{1,2,3}").
std::vector<epoch_ms> instants_of(const std::string& text) {
  std::vector<epoch_ms> out;
  std::int64_t value = 0;
  bool in_number = false;
  bool negative = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      in_number = true;
    } else if (c == '-') {
      negative = true;
    } else {
      if (in_number) out.push_back(negative ? -value : value);
      value = 0;
      in_number = false;
      negative = false;
    }
  }
  if (in_number) out.push_back(negative ? -value : value);
  return out;
}

void read_number_history(pqxx::dbtransaction& tx, id_t tenant_id, const std::string& phone,
                         epoch_ms attempts_since, dial_subject& s) {
  auto h = run(tx, number_history_sql, tenant_id, phone, attempts_since)[0];
  s.on_tenant_dnc = h["on_dnc"].as<bool>();
  s.last_refusal_at = optional_of<epoch_ms>(h["refused_at"]);
  s.attempts = instants_of(text_of(h["attempts"]));
}

}  // namespace

std::string checks_json(const compliance_decision& d) {
  std::string json = "{";
  for (std::size_t i = 0; i < compliance_check_count; ++i) {
    if (i) json += ',';
    json += '"';
    json += to_string(static_cast<compliance_check>(i));
    json += "\":\"";
    json += to_string(d.checks[i]);
    json += '"';
  }
  return json + "}";
}

namespace {

/// The first check that blocked, by its API name; empty when allowed.
std::string blocked_check_of(const compliance_decision& d) {
  for (std::size_t i = 0; i < compliance_check_count; ++i)
    if (d.checks[i] == check_status::blocked)
      return std::string(to_string(static_cast<compliance_check>(i)));
  return d.allowed ? std::string{} : std::string("country_rule");
}

}  // namespace

std::optional<lead_dial_facts> read_lead_dial_facts(pqxx::dbtransaction& tx, id_t tenant_id,
                                                    id_t lead_id, epoch_ms attempts_since,
                                                    bool lock) {
  auto rows = run(tx, lock ? lock_lead_facts_sql : lead_facts_sql, tenant_id, lead_id);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  lead_dial_facts f;
  f.lead_id = lead_id;
  f.campaign_id = r["campaign_id"].as<id_t>();
  f.attempts = r["attempts"].as<std::int32_t>();
  f.status = text_of(r["status"]);
  f.subject.phone = text_of(r["phone"]);
  f.subject.time_zone = text_of(r["timezone"]);
  f.subject.nature = parse_lead_nature(text_of(r["nature"])).value_or(lead_nature::unknown);
  f.subject.consent =
      parse_consent_status(text_of(r["consent_status"])).value_or(consent_status::unknown);
  f.subject.quiet_hours_disabled = r["quiet_hours_disabled"].as<bool>();
  if (lock) run(tx, lock_number_sql, tenant_id, f.subject.phone);
  read_number_history(tx, tenant_id, f.subject.phone, attempts_since, f.subject);
  return f;
}

void record_compliance_check(pqxx::dbtransaction& tx, const compliance_check_record& record) {
  const auto& d = record.verdict.decision;
  std::optional<epoch_ms> next = d.allowed ? std::nullopt : d.next_allowed_at;
  run(tx, insert_check_sql, record.tenant_id, record.campaign_id, record.lead_id, record.attempt_id,
      d.allowed, d.allowed ? std::string{} : name_of(d.reason), blocked_check_of(d), checks_json(d),
      next, record.decided_at);
}

std::optional<dnc_row> add_dnc_number(database& db, id_t tenant_id, const dnc_row& row) {
  std::optional<dnc_row> added;
  db.transact([&](pqxx::dbtransaction& tx) {
    added = first_of<dnc_row>(run(tx, insert_dnc_sql, tenant_id, row.phone, row.reason,
                                  row.source.empty() ? std::string("manual") : row.source),
                              dnc_of);
  });
  return added;
}

std::int64_t import_dnc_numbers(database& db, id_t tenant_id, const std::vector<dnc_row>& rows) {
  std::int64_t added = 0;
  constexpr std::size_t chunk = 5000;
  db.transact([&](pqxx::dbtransaction& tx) {
    added = 0;
    for (std::size_t from = 0; from < rows.size(); from += chunk) {
      std::vector<std::string> phones, reasons;
      for (std::size_t i = from; i < std::min(rows.size(), from + chunk); ++i) {
        phones.push_back(rows[i].phone);
        reasons.push_back(rows[i].reason);
      }
      added += run(tx, import_dnc_sql, tenant_id, text_array(phones), text_array(reasons))[0][0]
                   .as<std::int64_t>();
    }
  });
  return added;
}

page<dnc_row> list_dnc_numbers(database& db, id_t tenant_id, const std::string& phone_contains,
                               std::int32_t limit, std::int32_t offset) {
  page<dnc_row> result;
  const std::string pattern =
      phone_contains.empty() ? std::string{} : contains_pattern(phone_contains);
  db.transact([&](pqxx::dbtransaction& tx) {
    result.total = run(tx, count_dnc_sql, tenant_id, pattern)[0][0].as<std::int64_t>();
    result.items = all_of<dnc_row>(
        run(tx, list_dnc_sql, tenant_id, pattern, non_negative(limit), non_negative(offset)),
        dnc_of);
  });
  return result;
}

bool delete_dnc_number(database& db, id_t tenant_id, id_t id) {
  bool deleted = false;
  db.transact([&](pqxx::dbtransaction& tx) {
    deleted = run(tx, delete_dnc_sql, tenant_id, id).affected_rows() > 0;
  });
  return deleted;
}

bool is_dnc_number(database& db, id_t tenant_id, const std::string& phone) {
  bool listed = false;
  db.transact([&](pqxx::dbtransaction& tx) {
    listed = run(tx, is_dnc_sql, tenant_id, phone)[0][0].as<bool>();
  });
  return listed;
}

std::vector<tenant_override> list_rule_overrides(database& db, id_t tenant_id) {
  std::vector<tenant_override> overrides;
  db.transact([&](pqxx::dbtransaction& tx) {
    overrides =
        all_of<tenant_override>(run(tx, list_overrides_sql, tenant_id), [](const pqxx::row& r) {
          return tenant_override{text_of(r["country_iso"]), text_of(r["rule"])};
        });
  });
  return overrides;
}

void put_rule_override(database& db, id_t tenant_id, const tenant_override& rule) {
  db.transact([&](pqxx::dbtransaction& tx) {
    run(tx, put_override_sql, tenant_id, rule.country, rule.rule_json);
  });
}

std::optional<lead_dial_facts> read_lead_dial_facts(database& db, id_t tenant_id, id_t lead_id,
                                                    epoch_ms attempts_since) {
  std::optional<lead_dial_facts> facts;
  db.transact([&](pqxx::dbtransaction& tx) {
    facts = read_lead_dial_facts(tx, tenant_id, lead_id, attempts_since, false);
  });
  return facts;
}

dial_subject read_number_dial_facts(database& db, id_t tenant_id, const std::string& phone,
                                    epoch_ms attempts_since) {
  dial_subject s;
  s.phone = phone;
  db.transact([&](pqxx::dbtransaction& tx) {
    read_number_history(tx, tenant_id, phone, attempts_since, s);
  });
  return s;
}

}  // namespace dialer::storage
