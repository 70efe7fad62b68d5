#include "storage/accounts.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const std::string user_columns =
    "id, tenant_id, email, name, password_hash, password_salt, is_admin, role";

const statement insert_tenant_sql{"accounts.insert_tenant",
                                  "INSERT INTO tenants (name) VALUES ($1) RETURNING id"};

const statement insert_admin_sql{
    "accounts.insert_admin",
    "INSERT INTO users (tenant_id, email, name, password_hash, password_salt, is_admin, role)"
    " VALUES ($1, $2, $3, $4, $5, true, 'admin') RETURNING id"};

const statement user_by_email_sql{
    "accounts.user_by_email",
    "SELECT " + user_columns + " FROM users WHERE lower(email) = lower($1)"};

const statement user_by_id_sql{
    "accounts.user_by_id",
    "SELECT " + user_columns + " FROM users WHERE tenant_id = $1 AND id = $2"};

const std::string tenant_columns = "id, name, webhook_hook_id, retell_api_key, retell_base_url";

const statement tenant_by_id_sql{"accounts.tenant_by_id",
                                 "SELECT " + tenant_columns + " FROM tenants WHERE id = $1"};

const statement tenant_by_hook_sql{
    "accounts.tenant_by_hook",
    "SELECT " + tenant_columns + " FROM tenants WHERE webhook_hook_id = $1"};

const statement set_provider_sql{
    "accounts.set_provider",
    "UPDATE tenants SET retell_api_key = $2, retell_base_url = $3, updated_at = now()"
    " WHERE id = $1 RETURNING " +
        tenant_columns};

user_row user_of(const pqxx::row& r) {
  user_row u;
  u.id = r["id"].as<id_t>();
  u.tenant_id = r["tenant_id"].as<id_t>();
  u.email = text_of(r["email"]);
  u.name = text_of(r["name"]);
  u.password_hash = text_of(r["password_hash"]);
  u.password_salt = text_of(r["password_salt"]);
  u.is_admin = r["is_admin"].as<bool>();
  u.role = text_of(r["role"]);
  return u;
}

tenant_row tenant_of(const pqxx::row& r) {
  tenant_row t;
  t.id = r["id"].as<id_t>();
  t.name = text_of(r["name"]);
  t.webhook_hook_id = text_of(r["webhook_hook_id"]);
  t.retell_api_key = optional_text_of(r["retell_api_key"]);
  t.retell_base_url = optional_text_of(r["retell_base_url"]);
  return t;
}

}  // namespace

std::pair<id_t, id_t> register_tenant(database& db, const registration& r) {
  std::pair<id_t, id_t> ids;
  db.transact([&](pqxx::dbtransaction& tx) {
    ids.first = run(tx, insert_tenant_sql, r.company)[0][0].as<id_t>();
    ids.second = run(tx, insert_admin_sql, ids.first, r.email, r.name, r.password_hash,
                     r.password_salt)[0][0]
                     .as<id_t>();
  });
  return ids;
}

std::optional<user_row> find_user_by_email(database& db, const std::string& email) {
  std::optional<user_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<user_row>(run(tx, user_by_email_sql, email), user_of);
  });
  return found;
}

std::optional<user_row> find_user(database& db, id_t tenant_id, id_t user_id) {
  std::optional<user_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<user_row>(run(tx, user_by_id_sql, tenant_id, user_id), user_of);
  });
  return found;
}

std::optional<tenant_row> find_tenant(database& db, id_t tenant_id) {
  std::optional<tenant_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<tenant_row>(run(tx, tenant_by_id_sql, tenant_id), tenant_of);
  });
  return found;
}

std::optional<tenant_row> find_tenant_by_hook(database& db, const std::string& hook_id) {
  std::optional<tenant_row> found;
  db.read([&](pqxx::transaction_base& tx) {
    found = first_of<tenant_row>(run(tx, tenant_by_hook_sql, hook_id), tenant_of);
  });
  return found;
}

std::optional<tenant_row> set_provider_account(database& db, id_t tenant_id,
                                               const std::optional<std::string>& api_key,
                                               const std::optional<std::string>& base_url) {
  std::optional<tenant_row> updated;
  db.transact([&](pqxx::dbtransaction& tx) {
    updated =
        first_of<tenant_row>(run(tx, set_provider_sql, tenant_id, api_key, base_url), tenant_of);
  });
  return updated;
}

}  // namespace dialer::storage
