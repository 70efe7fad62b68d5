#include "storage/webhook_inbox.hpp"

#include <set>

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

// Each statement that stores events also notes them pending (webhook_pending) until applied.
const statement store_sql{
    "inbox.store",
    "WITH stored AS (INSERT INTO webhook_events (tenant_id, attempt_id, provider_call_id, event,"
    " body) VALUES ($1, NULLIF($2::bigint, 0), $3, $4, $5)"
    " ON CONFLICT (provider_call_id, event) DO NOTHING RETURNING id, tenant_id),"
    " pending AS (INSERT INTO webhook_pending (id, tenant_id) SELECT id, tenant_id FROM stored)"
    " SELECT id FROM stored"};

// Finds each entry's attempt (by the attempt id its metadata names, checked against the provider
// call id, else by the provider call id; only the named tenant's when one is given) and stores
// the entries of known attempts, in one statement for the whole group.
const statement store_group_sql{
    "inbox.store_group",
    "WITH g AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
    "   $5::text[]) WITH ORDINALITY AS g (t, a, c, e, b, n)),"
    " known AS ("
    "   SELECT g.n, x.tenant_id AS t, x.id AS a, g.c, g.e, g.b"
    "     FROM g JOIN call_attempts x ON x.id = g.a"
    "    WHERE g.a > 0 AND (x.provider_call_id IS NULL OR x.provider_call_id = g.c)"
    "      AND (g.t = 0 OR x.tenant_id = g.t)"
    "   UNION ALL"
    "   SELECT g.n, x.tenant_id, x.id, g.c, g.e, g.b"
    "     FROM g JOIN call_attempts x ON x.provider_call_id = g.c"
    "    WHERE g.a = 0 AND (g.t = 0 OR x.tenant_id = g.t)),"
    " stored AS ("
    "   INSERT INTO webhook_events (tenant_id, attempt_id, provider_call_id, event, body)"
    "   SELECT t, a, c, e, b FROM known ORDER BY n"
    "   ON CONFLICT (provider_call_id, event) DO NOTHING RETURNING id, tenant_id, provider_call_id, event),"
    " pending AS (INSERT INTO webhook_pending (id, tenant_id) SELECT id, tenant_id FROM stored)"
    " SELECT k.n, k.t, k.a, s.id FROM known k"
    "   LEFT JOIN stored s ON s.provider_call_id = k.c AND s.event = k.e ORDER BY k.n"};

const statement existing_sql{"inbox.existing",
                             "SELECT id FROM webhook_events"
                             " WHERE tenant_id = $1 AND provider_call_id = $2 AND event = $3"};

const statement mark_applied_sql{
    "inbox.mark_applied",
    "DELETE FROM webhook_pending WHERE id = $1"};

const statement unapplied_sql{
    "inbox.unapplied",
    "SELECT e.id, e.tenant_id, COALESCE(e.attempt_id, 0) AS attempt_id, e.provider_call_id,"
    " e.event, e.body"
    " FROM webhook_events e JOIN webhook_pending p ON p.id = e.id ORDER BY e.id"};

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

std::vector<inbox_receipt> store_webhooks(database& db, const std::vector<inbox_entry>& entries) {
  std::vector<inbox_receipt> receipts;
  if (entries.empty()) return receipts;
  std::vector<id_t> tenants;
  std::vector<id_t> attempts;
  std::vector<std::string> calls;
  std::vector<std::string> events;
  std::vector<std::string> bodies;
  for (const auto& e : entries) {
    tenants.push_back(e.tenant_id);
    attempts.push_back(e.attempt_id);
    calls.push_back(e.provider_call_id);
    events.push_back(e.event);
    bodies.push_back(e.body);
  }
  // One statement stores the whole group: it commits on its own, one round trip.
  db.write_alone([&](pqxx::transaction_base& tx) {
    receipts.assign(entries.size(), inbox_receipt{});
    // Keys stored by this group: the first entry of the group with a key is the one that stored it.
    std::set<std::pair<std::string, std::string>> claimed;
    for (const auto& r : run(tx, store_group_sql, id_array(tenants), id_array(attempts),
                             text_array(calls), text_array(events), text_array(bodies))) {
      auto i = r["n"].as<std::size_t>() - 1;
      if (i >= entries.size() || receipts[i].attempt_id) continue;
      auto& receipt = receipts[i];
      receipt.tenant_id = r["t"].as<id_t>();
      receipt.attempt_id = r["a"].as<id_t>();
      if (r["id"].is_null()) continue;
      if (claimed.insert({entries[i].provider_call_id, entries[i].event}).second) {
        receipt.inbox_id = r["id"].as<id_t>();
        receipt.stored = true;
      }
    }
  });
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& receipt = receipts[i];
    if (!receipt.attempt_id || receipt.stored) continue;
    // A duplicate: ON CONFLICT waited for the row's own commit, so it is visible now.
    const auto& e = entries[i];
    db.read([&](pqxx::transaction_base& tx) {
      auto existing = run(tx, existing_sql, receipt.tenant_id, e.provider_call_id, e.event);
      receipt.inbox_id = existing.empty() ? id_t{0} : existing[0][0].as<id_t>();
    });
  }
  return receipts;
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
