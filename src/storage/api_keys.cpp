#include "storage/api_keys.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const std::string api_key_columns =
    "id, tenant_id, created_by, name, role, key_prefix, iso_utc(created_at) AS created_at";

const statement insert_key_sql{
    "api_keys.insert",
    "INSERT INTO api_keys (tenant_id, created_by, name, role, key_prefix, key_sha256)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " +
        api_key_columns};

const statement list_keys_sql{
    "api_keys.list",
    "SELECT " + api_key_columns + " FROM api_keys WHERE tenant_id = $1 ORDER BY id DESC"};

const statement delete_key_sql{"api_keys.delete",
                               "DELETE FROM api_keys WHERE tenant_id = $1 AND id = $2"};

const statement find_key_sql{"api_keys.find_by_digest",
                             "SELECT " + api_key_columns + " FROM api_keys WHERE key_sha256 = $1"};

api_key_row api_key_of(const pqxx::row& r) {
  api_key_row k;
  k.id = r["id"].as<id_t>();
  k.tenant_id = r["tenant_id"].as<id_t>();
  k.created_by = r["created_by"].as<id_t>();
  k.name = text_of(r["name"]);
  k.role = text_of(r["role"]);
  k.key_prefix = text_of(r["key_prefix"]);
  k.created_at = text_of(r["created_at"]);
  return k;
}

}  // namespace

api_key_row insert_api_key(database& db, id_t tenant_id, const api_key_row& row,
                           const std::string& key_sha256) {
  api_key_row stored;
  db.transact([&](pqxx::dbtransaction& tx) {
    stored = api_key_of(run(tx, insert_key_sql, tenant_id, row.created_by, row.name, row.role,
                            row.key_prefix, key_sha256)[0]);
  });
  return stored;
}

std::vector<api_key_row> list_api_keys(database& db, id_t tenant_id) {
  std::vector<api_key_row> rows;
  db.transact([&](pqxx::dbtransaction& tx) {
    rows = all_of<api_key_row>(run(tx, list_keys_sql, tenant_id), api_key_of);
  });
  return rows;
}

bool delete_api_key(database& db, id_t tenant_id, id_t key_id) {
  bool deleted = false;
  db.transact([&](pqxx::dbtransaction& tx) {
    deleted = run(tx, delete_key_sql, tenant_id, key_id).affected_rows() > 0;
  });
  return deleted;
}

std::optional<api_key_row> find_api_key(database& db, const std::string& key_sha256) {
  std::optional<api_key_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<api_key_row>(run(tx, find_key_sql, key_sha256), api_key_of);
  });
  return found;
}

}  // namespace dialer::storage
