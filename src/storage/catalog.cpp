#include "storage/catalog.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const std::string agent_columns =
    "id, tenant_id, name, retell_agent_id, lang, voice_id, iso_utc(created_at) AS created_at";

const statement insert_agent_sql{
    "catalog.insert_agent",
    "INSERT INTO agents (tenant_id, name, retell_agent_id, lang, voice_id)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING " +
        agent_columns};

const statement list_agents_sql{
    "catalog.list_agents",
    "SELECT " + agent_columns + " FROM agents WHERE tenant_id = $1 ORDER BY id DESC"};

const statement find_agent_sql{
    "catalog.find_agent",
    "SELECT " + agent_columns + " FROM agents WHERE tenant_id = $1 AND id = $2"};

const statement update_agent_sql{
    "catalog.update_agent",
    "UPDATE agents SET name = $3, retell_agent_id = $4, lang = $5, voice_id = $6"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " +
        agent_columns};

const statement lock_agent_sql{"catalog.lock_agent",
                               "SELECT id FROM agents WHERE tenant_id = $1 AND id = $2 FOR UPDATE"};

const statement agent_in_use_sql{
    "catalog.agent_in_use",
    "SELECT EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = $1 AND agent_id = $2)"};

const statement delete_agent_sql{"catalog.delete_agent",
                                 "DELETE FROM agents WHERE tenant_id = $1 AND id = $2"};

const std::string number_columns =
    "id, tenant_id, e164, provider, country, status, calls_per_second,"
    " iso_utc(created_at) AS created_at";

const statement insert_number_sql{
    "catalog.insert_number",
    "INSERT INTO phone_numbers (tenant_id, e164, provider, country, status, calls_per_second)"
    " VALUES ($1, $2, COALESCE(NULLIF($3, ''), 'retell'), $4, COALESCE(NULLIF($5, ''), 'active'),"
    " $6) RETURNING " +
        number_columns};

const statement list_numbers_sql{
    "catalog.list_numbers",
    "SELECT " + number_columns + " FROM phone_numbers WHERE tenant_id = $1 ORDER BY id DESC"};

const statement find_number_sql{
    "catalog.find_number",
    "SELECT " + number_columns + " FROM phone_numbers WHERE tenant_id = $1 AND id = $2"};

const statement find_number_by_e164_sql{
    "catalog.find_number_by_e164",
    "SELECT " + number_columns + " FROM phone_numbers WHERE tenant_id = $1 AND e164 = $2"};

const statement lock_number_sql{
    "catalog.lock_number",
    "SELECT e164 FROM phone_numbers WHERE tenant_id = $1 AND id = $2 FOR UPDATE"};

const statement number_in_use_sql{
    "catalog.number_in_use",
    "SELECT EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = $1 AND from_number = $2"
    " AND status NOT IN ('completed', 'cancelled'))"};

const statement delete_number_sql{"catalog.delete_number",
                                  "DELETE FROM phone_numbers WHERE tenant_id = $1 AND id = $2"};

agent_row agent_of(const pqxx::row& r) {
  agent_row a;
  a.id = r["id"].as<id_t>();
  a.tenant_id = r["tenant_id"].as<id_t>();
  a.name = text_of(r["name"]);
  a.retell_agent_id = text_of(r["retell_agent_id"]);
  a.lang = text_of(r["lang"]);
  a.voice_id = text_of(r["voice_id"]);
  a.created_at = text_of(r["created_at"]);
  return a;
}

number_row number_of(const pqxx::row& r) {
  number_row n;
  n.id = r["id"].as<id_t>();
  n.tenant_id = r["tenant_id"].as<id_t>();
  n.e164 = text_of(r["e164"]);
  n.provider = text_of(r["provider"]);
  n.country = text_of(r["country"]);
  n.status = text_of(r["status"]);
  n.calls_per_second = r["calls_per_second"].as<std::int32_t>();
  n.created_at = text_of(r["created_at"]);
  return n;
}

}  // namespace

agent_row insert_agent(database& db, id_t tenant_id, const agent_row& row) {
  agent_row stored;
  db.transact([&](pqxx::dbtransaction& tx) {
    stored = agent_of(run(tx, insert_agent_sql, tenant_id, row.name, row.retell_agent_id, row.lang,
                          row.voice_id)[0]);
  });
  return stored;
}

std::vector<agent_row> list_agents(database& db, id_t tenant_id) {
  std::vector<agent_row> rows;
  db.transact([&](pqxx::dbtransaction& tx) {
    rows = all_of<agent_row>(run(tx, list_agents_sql, tenant_id), agent_of);
  });
  return rows;
}

std::optional<agent_row> find_agent(database& db, id_t tenant_id, id_t agent_id) {
  std::optional<agent_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<agent_row>(run(tx, find_agent_sql, tenant_id, agent_id), agent_of);
  });
  return found;
}

number_row insert_number(database& db, id_t tenant_id, const number_row& row) {
  number_row stored;
  db.transact([&](pqxx::dbtransaction& tx) {
    stored = number_of(run(tx, insert_number_sql, tenant_id, row.e164, row.provider, row.country,
                           row.status, row.calls_per_second)[0]);
  });
  return stored;
}

std::vector<number_row> list_numbers(database& db, id_t tenant_id) {
  std::vector<number_row> rows;
  db.transact([&](pqxx::dbtransaction& tx) {
    rows = all_of<number_row>(run(tx, list_numbers_sql, tenant_id), number_of);
  });
  return rows;
}

std::optional<number_row> find_number(database& db, id_t tenant_id, id_t number_id) {
  std::optional<number_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<number_row>(run(tx, find_number_sql, tenant_id, number_id), number_of);
  });
  return found;
}

std::optional<number_row> find_number_by_e164(database& db, id_t tenant_id,
                                              const std::string& e164) {
  std::optional<number_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<number_row>(run(tx, find_number_by_e164_sql, tenant_id, e164), number_of);
  });
  return found;
}

std::optional<agent_row> update_agent(database& db, id_t tenant_id, id_t agent_id,
                                      const agent_row& row) {
  std::optional<agent_row> updated;
  db.transact([&](pqxx::dbtransaction& tx) {
    updated = first_of<agent_row>(run(tx, update_agent_sql, tenant_id, agent_id, row.name,
                                      row.retell_agent_id, row.lang, row.voice_id),
                                  agent_of);
  });
  return updated;
}

change_result delete_agent(database& db, id_t tenant_id, id_t agent_id) {
  change_result outcome = change_result::not_found;
  db.transact([&](pqxx::dbtransaction& tx) {
    // The row lock orders this delete with a campaign insert referencing the agent (whose
    // foreign-key check locks the same row).
    if (run(tx, lock_agent_sql, tenant_id, agent_id).empty()) {
      outcome = change_result::not_found;
    } else if (run(tx, agent_in_use_sql, tenant_id, agent_id)[0][0].as<bool>()) {
      outcome = change_result::in_use;
    } else {
      run(tx, delete_agent_sql, tenant_id, agent_id);
      outcome = change_result::applied;
    }
  });
  return outcome;
}

change_result delete_number(database& db, id_t tenant_id, id_t number_id) {
  change_result outcome = change_result::not_found;
  db.transact([&](pqxx::dbtransaction& tx) {
    auto locked = run(tx, lock_number_sql, tenant_id, number_id);
    if (locked.empty()) {
      outcome = change_result::not_found;
    } else if (run(tx, number_in_use_sql, tenant_id, text_of(locked[0][0]))[0][0].as<bool>()) {
      outcome = change_result::in_use;
    } else {
      run(tx, delete_number_sql, tenant_id, number_id);
      outcome = change_result::applied;
    }
  });
  return outcome;
}

}  // namespace dialer::storage
