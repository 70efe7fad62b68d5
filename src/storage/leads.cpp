#include "storage/leads.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const std::string lead_columns =
    "id, tenant_id, campaign_id, name, phone, email, company, country_iso, timezone, nature,"
    " consent_status, consent_basis, quiet_hours_disabled, priority, metadata::text AS metadata,"
    " status, attempts, iso_utc(next_attempt_at) AS next_attempt_at, last_disposition,"
    " terminal_reason, iso_utc(created_at) AS created_at";

const statement insert_lead_sql{
    "leads.insert",
    "INSERT INTO leads (tenant_id, campaign_id, name, phone, email, company, country_iso,"
    " timezone, nature, consent_status, consent_basis, quiet_hours_disabled, priority, metadata,"
    " next_attempt_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE(NULLIF($9, ''), 'unknown'),"
    " COALESCE(NULLIF($10, ''), 'unknown'), $11, $12, $13, $14::jsonb, $15::timestamptz)"
    " RETURNING " +
        lead_columns};

// Empty text filters and a NULL campaign mean "any".
const std::string lead_filter_clause =
    " WHERE tenant_id = $1"
    " AND ($2::bigint IS NULL OR campaign_id = $2)"
    " AND ($3::text = '' OR country_iso = $3)"
    " AND ($4::text = '' OR consent_status = $4)"
    " AND ($5::text = '' OR status = $5)"
    " AND ($6::text = '' OR name ILIKE $6 OR phone ILIKE $6 OR email ILIKE $6"
    " OR company ILIKE $6)";

const statement count_leads_sql{"leads.count", "SELECT count(*) FROM leads" + lead_filter_clause};

const statement list_leads_sql{"leads.list", "SELECT " + lead_columns + " FROM leads" +
                                                 lead_filter_clause +
                                                 " ORDER BY id LIMIT $7 OFFSET $8"};

const statement find_lead_sql{
    "leads.find", "SELECT " + lead_columns + " FROM leads WHERE tenant_id = $1 AND id = $2"};

lead_row lead_of(const pqxx::row& r) {
  lead_row l;
  l.id = r["id"].as<id_t>();
  l.tenant_id = r["tenant_id"].as<id_t>();
  l.campaign_id = optional_of<id_t>(r["campaign_id"]);
  l.name = text_of(r["name"]);
  l.phone = text_of(r["phone"]);
  l.email = text_of(r["email"]);
  l.company = text_of(r["company"]);
  l.country_iso = text_of(r["country_iso"]);
  l.timezone = text_of(r["timezone"]);
  l.nature = text_of(r["nature"]);
  l.consent_status = text_of(r["consent_status"]);
  l.consent_basis = text_of(r["consent_basis"]);
  l.quiet_hours_disabled = r["quiet_hours_disabled"].as<bool>();
  l.priority = r["priority"].as<std::int32_t>();
  l.metadata_json = text_of(r["metadata"]);
  l.status = text_of(r["status"]);
  l.attempts = r["attempts"].as<std::int32_t>();
  l.next_attempt_at = optional_text_of(r["next_attempt_at"]);
  l.last_disposition = text_of(r["last_disposition"]);
  l.terminal_reason = text_of(r["terminal_reason"]);
  l.created_at = text_of(r["created_at"]);
  return l;
}

pqxx::result insert_one(pqxx::dbtransaction& tx, id_t tenant_id, const lead_row& row) {
  return run(tx, insert_lead_sql, tenant_id, row.campaign_id, row.name, row.phone, row.email,
             row.company, row.country_iso, row.timezone, row.nature, row.consent_status,
             row.consent_basis, row.quiet_hours_disabled, row.priority,
             json_or_empty_object(row.metadata_json), row.next_attempt_at);
}

}  // namespace

lead_row insert_lead(database& db, id_t tenant_id, const lead_row& row) {
  lead_row stored;
  db.transact(
      [&](pqxx::dbtransaction& tx) { stored = lead_of(insert_one(tx, tenant_id, row)[0]); });
  return stored;
}

std::vector<id_t> insert_leads(database& db, id_t tenant_id, const std::vector<lead_row>& rows) {
  std::vector<id_t> ids;
  db.transact([&](pqxx::dbtransaction& tx) {
    ids.clear();
    ids.reserve(rows.size());
    for (const auto& row : rows) ids.push_back(insert_one(tx, tenant_id, row)[0]["id"].as<id_t>());
  });
  return ids;
}

page<lead_row> list_leads(database& db, id_t tenant_id, const lead_filter& f) {
  page<lead_row> result;
  const std::string pattern = f.q.empty() ? std::string{} : contains_pattern(f.q);
  db.transact([&](pqxx::dbtransaction& tx) {
    result.total = run(tx, count_leads_sql, tenant_id, f.campaign_id, f.country_iso,
                       f.consent_status, f.status, pattern)[0][0]
                       .as<std::int64_t>();
    result.items = all_of<lead_row>(
        run(tx, list_leads_sql, tenant_id, f.campaign_id, f.country_iso, f.consent_status, f.status,
            pattern, non_negative(f.limit), non_negative(f.offset)),
        lead_of);
  });
  return result;
}

std::optional<lead_row> find_lead(database& db, id_t tenant_id, id_t lead_id) {
  std::optional<lead_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<lead_row>(run(tx, find_lead_sql, tenant_id, lead_id), lead_of);
  });
  return found;
}

}  // namespace dialer::storage
