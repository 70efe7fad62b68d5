#include "storage/leads.hpp"

#include <unordered_set>

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

const statement lock_lead_sql{
    "leads.lock", "SELECT status FROM leads WHERE tenant_id = $1 AND id = $2 FOR UPDATE"};

const statement update_lead_sql{
    "leads.update",
    "UPDATE leads SET campaign_id = $3, name = $4, phone = $5, email = $6, company = $7,"
    " country_iso = $8, timezone = $9, nature = COALESCE(NULLIF($10, ''), 'unknown'),"
    " consent_status = COALESCE(NULLIF($11, ''), 'unknown'), consent_basis = $12,"
    " quiet_hours_disabled = $13, priority = $14, metadata = $15::jsonb, updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " +
        lead_columns};

const statement lead_has_attempts_sql{
    "leads.has_attempts",
    "SELECT EXISTS (SELECT 1 FROM call_attempts WHERE tenant_id = $1 AND lead_id = $2)"};

const statement detach_compliance_sql{
    "leads.detach_compliance",
    "UPDATE compliance_checks SET lead_id = NULL WHERE tenant_id = $1 AND lead_id = $2"};

const statement delete_lead_sql{"leads.delete",
                                "DELETE FROM leads WHERE tenant_id = $1 AND id = $2"};

// One row per array element; a phone the campaign already has is skipped, and the phones
// actually inserted come back.
const statement insert_new_leads_sql{
    "leads.insert_new",
    "INSERT INTO leads (tenant_id, campaign_id, name, phone, email, company, country_iso,"
    " timezone, nature, consent_status, consent_basis, quiet_hours_disabled, priority, metadata)"
    " SELECT $1, $2::bigint, u.name, u.phone, u.email, u.company, u.country_iso, u.timezone,"
    " COALESCE(NULLIF(u.nature, ''), 'unknown'), COALESCE(NULLIF(u.consent_status, ''), 'unknown'),"
    " u.consent_basis, u.quiet_hours_disabled, u.priority, u.metadata::jsonb"
    " FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
    " $9::text[], $10::text[], $11::text[], $12::boolean[], $13::integer[], $14::text[])"
    " AS u(name, phone, email, company, country_iso, timezone, nature, consent_status,"
    " consent_basis, quiet_hours_disabled, priority, metadata)"
    " ON CONFLICT DO NOTHING RETURNING phone"};

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

guarded_update<lead_row> update_lead(database& db, id_t tenant_id, id_t lead_id,
                                     const lead_row& row) {
  guarded_update<lead_row> out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = {};
    auto locked = run(tx, lock_lead_sql, tenant_id, lead_id);
    if (locked.empty()) return;
    if (text_of(locked[0][0]) == name_of(lead_status::in_progress)) {
      out.result = change_result::in_progress;
      return;
    }
    out.row =
        lead_of(run(tx, update_lead_sql, tenant_id, lead_id, row.campaign_id, row.name, row.phone,
                    row.email, row.company, row.country_iso, row.timezone, row.nature,
                    row.consent_status, row.consent_basis, row.quiet_hours_disabled, row.priority,
                    json_or_empty_object(row.metadata_json))[0]);
    out.result = change_result::applied;
  });
  return out;
}

change_result delete_lead(database& db, id_t tenant_id, id_t lead_id) {
  change_result outcome = change_result::not_found;
  db.transact([&](pqxx::dbtransaction& tx) {
    // Locked first: the journal takes the same row lock before it dials the lead.
    auto locked = run(tx, lock_lead_sql, tenant_id, lead_id);
    if (locked.empty()) {
      outcome = change_result::not_found;
    } else if (text_of(locked[0][0]) == name_of(lead_status::in_progress)) {
      outcome = change_result::in_progress;
    } else if (run(tx, lead_has_attempts_sql, tenant_id, lead_id)[0][0].as<bool>()) {
      outcome = change_result::in_use;
    } else {
      run(tx, detach_compliance_sql, tenant_id, lead_id);
      run(tx, delete_lead_sql, tenant_id, lead_id);
      outcome = change_result::applied;
    }
  });
  return outcome;
}

std::vector<bool> insert_new_leads(database& db, id_t tenant_id, std::optional<id_t> campaign_id,
                                   const std::vector<lead_row>& rows) {
  // Only the first row of each phone is sent: one statement cannot tell which of two equal
  // rows it kept.
  std::vector<bool> first(rows.size(), false);
  std::unordered_set<std::string> seen;
  std::vector<std::string> name, phone, email, company, country, zone, nature, consent, basis,
      metadata;
  std::vector<bool> quiet;
  std::vector<std::int32_t> priority;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const lead_row& r = rows[i];
    if (!seen.insert(r.phone).second) continue;
    first[i] = true;
    name.push_back(r.name);
    phone.push_back(r.phone);
    email.push_back(r.email);
    company.push_back(r.company);
    country.push_back(r.country_iso);
    zone.push_back(r.timezone);
    nature.push_back(r.nature);
    consent.push_back(r.consent_status);
    basis.push_back(r.consent_basis);
    quiet.push_back(r.quiet_hours_disabled);
    priority.push_back(r.priority);
    metadata.push_back(json_or_empty_object(r.metadata_json));
  }

  std::unordered_set<std::string> inserted;
  if (!phone.empty()) {
    db.transact([&](pqxx::dbtransaction& tx) {
      inserted.clear();
      auto result =
          run(tx, insert_new_leads_sql, tenant_id, campaign_id, text_array(name), text_array(phone),
              text_array(email), text_array(company), text_array(country), text_array(zone),
              text_array(nature), text_array(consent), text_array(basis), bool_array(quiet),
              int_array(priority), text_array(metadata));
      for (const auto& row : result) inserted.insert(text_of(row[0]));
    });
  }
  std::vector<bool> out(rows.size(), false);
  for (std::size_t i = 0; i < rows.size(); ++i)
    out[i] = first[i] && inserted.count(rows[i].phone) > 0;
  return out;
}

}  // namespace dialer::storage
