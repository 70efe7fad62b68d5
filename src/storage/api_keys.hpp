#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Stores a new API key of the tenant, created by `row.created_by`, from the SHA-256 (hex) of
/// its secret; returns the stored row (ignores row.id and row.tenant_id).
api_key_row insert_api_key(database& db, id_t tenant_id, const api_key_row& row,
                           const std::string& key_sha256);
/// The tenant's API keys, newest first.
std::vector<api_key_row> list_api_keys(database& db, id_t tenant_id);
/// Deletes one API key of the tenant; false when it has no such key.
bool delete_api_key(database& db, id_t tenant_id, id_t key_id);
/// The API key whose secret has this SHA-256 (hex), whatever its tenant: how a request
/// presenting a key finds its tenant.
std::optional<api_key_row> find_api_key(database& db, const std::string& key_sha256);

}  // namespace dialer::storage
