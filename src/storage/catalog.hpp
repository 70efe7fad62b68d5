#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Inserts an agent for the tenant (ignores row.id/tenant_id); returns the stored row.
agent_row insert_agent(database& db, id_t tenant_id, const agent_row& row);
/// The tenant's agents, newest first.
std::vector<agent_row> list_agents(database& db, id_t tenant_id);
/// One agent of the tenant.
std::optional<agent_row> find_agent(database& db, id_t tenant_id, id_t agent_id);

/// Inserts a caller number; throws conflict_error when the tenant already has this E.164.
number_row insert_number(database& db, id_t tenant_id, const number_row& row);
/// The tenant's numbers, newest first.
std::vector<number_row> list_numbers(database& db, id_t tenant_id);
/// One number of the tenant.
std::optional<number_row> find_number(database& db, id_t tenant_id, id_t number_id);
/// The tenant's number with this E.164, if any.
std::optional<number_row> find_number_by_e164(database& db, id_t tenant_id, const std::string& e164);

}  // namespace dialer::storage
