#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Creates a tenant (named after the company) and its admin user in one transaction.
/// Returns {tenant_id, user_id}; throws conflict_error when the e-mail is taken.
std::pair<id_t, id_t> register_tenant(database& db, const registration& r);

/// The user with this e-mail (case-insensitive), if any.
std::optional<user_row> find_user_by_email(database& db, const std::string& email);

/// The user of this tenant with this id, if any.
std::optional<user_row> find_user(database& db, id_t tenant_id, id_t user_id);

/// The tenant with this id, if any.
std::optional<tenant_row> find_tenant(database& db, id_t tenant_id);

/// The tenant whose webhook path carries this hook id, if any.
std::optional<tenant_row> find_tenant_by_hook(database& db, const std::string& hook_id);

/// Sets (or, with nullopt, clears) the tenant's own provider key and base URL; returns the
/// updated tenant, or nullopt when there is no such tenant.
std::optional<tenant_row> set_provider_account(database& db, id_t tenant_id,
                                               const std::optional<std::string>& api_key,
                                               const std::optional<std::string>& base_url);

}  // namespace dialer::storage
