#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Stores a verified webhook and commits. Unique on (provider call id, event): a duplicate
/// is not stored again. Returns the inbox id and whether this call stored it (false: duplicate).
std::pair<id_t, bool> store_webhook(database& db, id_t tenant_id, id_t attempt_id,
                                    const std::string& provider_call_id, const std::string& event,
                                    const std::string& raw_body);

/// One verified webhook to store. Its attempt is the one its metadata names (checked against
/// the provider call id), else the one with its provider call id.
struct inbox_entry {
  id_t tenant_id = 0;   ///< only this tenant's attempts count (0: any tenant's)
  id_t attempt_id = 0;  ///< named in the call's metadata (0: none)
  std::string provider_call_id;
  std::string event;
  std::string body;
};

/// What storing one webhook of a group did.
struct inbox_receipt {
  id_t inbox_id = 0;    ///< its row (0: unknown call, or the row belongs to another tenant)
  bool stored = false;  ///< stored now; false for a duplicate or an unknown call
  id_t tenant_id = 0;   ///< the attempt's tenant
  id_t attempt_id = 0;  ///< the attempt found; 0 when the call is not one this engine placed
};

/// Finds the attempts of many webhooks and stores those of known calls, in one statement and
/// one commit. Receipts come in order; a duplicate (also of an earlier entry of the group) is
/// not stored again.
std::vector<inbox_receipt> store_webhooks(database& db, const std::vector<inbox_entry>& entries);

/// Marks an inbox row as applied.
void mark_webhook_applied(database& db, id_t inbox_id);

/// Every stored webhook not yet applied, oldest first (replayed at start-up).
std::vector<inbox_row> unapplied_webhooks(database& db);

/// How many inbox rows exist for this provider call id (tests and diagnostics).
std::int64_t webhook_count(database& db, const std::string& provider_call_id);

}  // namespace dialer::storage
