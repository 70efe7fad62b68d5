#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Stores a verified webhook and commits. Unique on (provider call id, event): a duplicate
/// is not stored again. Returns the inbox id and whether this call stored it (false: duplicate).
std::pair<id_t, bool> store_webhook(database& db, id_t tenant_id, id_t attempt_id,
                                    const std::string& provider_call_id, const std::string& event,
                                    const std::string& raw_body);

/// One verified webhook to store.
struct inbox_entry {
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  std::string provider_call_id;
  std::string event;
  std::string body;
};

/// Stores many webhooks in one transaction (one commit). Returns, in order, each one's inbox id
/// and whether it was stored now (false: a duplicate, also of an earlier entry of the group;
/// the id is 0 when the stored row belongs to another tenant).
std::vector<std::pair<id_t, bool>> store_webhooks(database& db,
                                                  const std::vector<inbox_entry>& entries);

/// Marks an inbox row as applied.
void mark_webhook_applied(database& db, id_t inbox_id);

/// Every stored webhook not yet applied, oldest first (replayed at start-up).
std::vector<inbox_row> unapplied_webhooks(database& db);

/// How many inbox rows exist for this provider call id (tests and diagnostics).
std::int64_t webhook_count(database& db, const std::string& provider_call_id);

}  // namespace dialer::storage
