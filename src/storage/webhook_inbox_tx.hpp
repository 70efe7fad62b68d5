#pragma once

// Private to the storage library: the inbox write that runs inside another repository's
// transaction (the dial journal records a webhook's progress and marks it applied in one).

#include "storage/rows.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {

/// Marks an inbox row as applied in `tx`.
void mark_webhook_applied(pqxx::dbtransaction& tx, id_t inbox_id);

}  // namespace dialer::storage
