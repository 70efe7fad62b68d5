#include "storage/webhook_inbox.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const statement store_sql{
    "inbox.store",
    "INSERT INTO webhook_events (tenant_id, attempt_id, provider_call_id, event, body)"
    " VALUES ($1, NULLIF($2::bigint, 0), $3, $4, $5)"
    " ON CONFLICT (provider_call_id, event) DO NOTHING RETURNING id"};

const statement existing_sql{"inbox.existing",
                             "SELECT id FROM webhook_events"
                             " WHERE tenant_id = $1 AND provider_call_id = $2 AND event = $3"};

const statement mark_applied_sql{
    "inbox.mark_applied",
    "UPDATE webhook_events SET applied_at = COALESCE(applied_at, now()) WHERE id = $1"};

const statement unapplied_sql{
    "inbox.unapplied",
    "SELECT id, tenant_id, COALESCE(attempt_id, 0) AS attempt_id, provider_call_id, event, body,"
    " applied_at IS NOT NULL AS applied"
    " FROM webhook_events WHERE applied_at IS NULL ORDER BY id"};

const statement count_sql{"inbox.count",
                          "SELECT count(*) FROM webhook_events WHERE provider_call_id = $1"};

inbox_row inbox_of(const pqxx::row& r) {
  inbox_row i;
  i.id = r["id"].as<id_t>();
  i.tenant_id = r["tenant_id"].as<id_t>();
  i.attempt_id = r["attempt_id"].as<id_t>();
  i.provider_call_id = text_of(r["provider_call_id"]);
  i.event = text_of(r["event"]);
  i.body = text_of(r["body"]);
  i.applied = r["applied"].as<bool>();
  return i;
}

}  // namespace

std::pair<id_t, bool> store_webhook(database& db, id_t tenant_id, id_t attempt_id,
                                    const std::string& provider_call_id, const std::string& event,
                                    const std::string& raw_body) {
  std::pair<id_t, bool> stored{0, false};
  db.transact([&](pqxx::dbtransaction& tx) {
    auto inserted = run(tx, store_sql, tenant_id, attempt_id, provider_call_id, event, raw_body);
    if (!inserted.empty()) {
      stored = {inserted[0][0].as<id_t>(), true};
      return;
    }
    // A duplicate: a concurrent insert of the same event has committed by now (ON CONFLICT
    // waited for it). Another tenant's row with the same key is never revealed: id 0.
    auto existing = run(tx, existing_sql, tenant_id, provider_call_id, event);
    stored = {existing.empty() ? id_t{0} : existing[0][0].as<id_t>(), false};
  });
  return stored;
}

void mark_webhook_applied(database& db, id_t inbox_id) {
  db.transact([&](pqxx::dbtransaction& tx) { run(tx, mark_applied_sql, inbox_id); });
}

std::vector<inbox_row> unapplied_webhooks(database& db) {
  std::vector<inbox_row> rows;
  db.transact(
      [&](pqxx::dbtransaction& tx) { rows = all_of<inbox_row>(run(tx, unapplied_sql), inbox_of); });
  return rows;
}

std::int64_t webhook_count(database& db, const std::string& provider_call_id) {
  std::int64_t n = 0;
  db.transact([&](pqxx::dbtransaction& tx) {
    n = run(tx, count_sql, provider_call_id)[0][0].as<std::int64_t>();
  });
  return n;
}

}  // namespace dialer::storage
