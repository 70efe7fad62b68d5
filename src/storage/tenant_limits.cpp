#include "storage/tenant_limits.hpp"

#include "storage/database.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const statement limits_sql{
    "tenants.limits",
    "SELECT max_concurrent_calls, monthly_budget_cents FROM tenants WHERE id = $1"};

const statement set_limits_sql{
    "tenants.set_limits",
    "UPDATE tenants SET max_concurrent_calls = $2, monthly_budget_cents = $3, updated_at = now()"
    " WHERE id = $1 RETURNING max_concurrent_calls, monthly_budget_cents"};

// A call's cost belongs to the month it ended in (its creation when the provider gave no end).
const statement month_spent_sql{
    "tenants.month_spent",
    "SELECT COALESCE(sum(cost_cents), 0)::bigint FROM calls"
    " WHERE tenant_id = $1 AND COALESCE(ended_at, created_at) >= ts_of_ms($2)"};

const statement campaigns_to_follow_sql{
    "tenants.campaigns_to_follow",
    "SELECT id FROM campaigns WHERE tenant_id = $1 AND status IN ('running', 'scheduled')"
    " UNION SELECT DISTINCT campaign_id FROM call_attempts"
    " WHERE tenant_id = $1 AND closed_at IS NULL AND campaign_id IS NOT NULL ORDER BY 1"};

tenant_limits limits_of(const pqxx::row& r) {
  tenant_limits l;
  l.max_concurrent_calls = optional_of<std::int32_t>(r[0]);
  l.monthly_budget_cents = optional_of<std::int64_t>(r[1]);
  return l;
}

}  // namespace

std::optional<tenant_limits> tenant_limits_of(database& db, id_t tenant_id) {
  std::optional<tenant_limits> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<tenant_limits>(run(tx, limits_sql, tenant_id), limits_of);
  });
  return found;
}

std::optional<tenant_limits> set_tenant_limits(database& db, id_t tenant_id,
                                               const tenant_limits& limits) {
  std::optional<tenant_limits> stored;
  db.transact([&](pqxx::dbtransaction& tx) {
    stored = first_of<tenant_limits>(run(tx, set_limits_sql, tenant_id, limits.max_concurrent_calls,
                                         limits.monthly_budget_cents),
                                     limits_of);
  });
  return stored;
}

tenant_standing tenant_standing_of(database& db, id_t tenant_id, epoch_ms month_start) {
  tenant_standing s;
  db.transact([&](pqxx::dbtransaction& tx) {
    s = tenant_standing{};
    if (auto l = first_of<tenant_limits>(run(tx, limits_sql, tenant_id), limits_of)) s.limits = *l;
    s.month_spent_cents = run(tx, month_spent_sql, tenant_id, month_start)[0][0].as<std::int64_t>();
  });
  return s;
}

std::vector<id_t> campaigns_to_follow(database& db, id_t tenant_id) {
  std::vector<id_t> ids;
  db.transact([&](pqxx::dbtransaction& tx) {
    ids = all_of<id_t>(run(tx, campaigns_to_follow_sql, tenant_id),
                       [](const pqxx::row& r) { return r[0].as<id_t>(); });
  });
  return ids;
}

}  // namespace dialer::storage
