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

/// Replaces the editable fields (name, retell_agent_id, lang, voice_id) of one agent of the
/// tenant; returns the stored row, or nullopt when the tenant has no such agent.
std::optional<agent_row> update_agent(database& db, id_t tenant_id, id_t agent_id,
                                      const agent_row& row);
/// Deletes one agent of the tenant unless a campaign (of any status) uses it (in_use).
change_result delete_agent(database& db, id_t tenant_id, id_t agent_id);

/// Inserts a caller number; throws conflict_error when the tenant already has this E.164.
number_row insert_number(database& db, id_t tenant_id, const number_row& row);
/// The tenant's numbers, newest first.
std::vector<number_row> list_numbers(database& db, id_t tenant_id);
/// One number of the tenant.
std::optional<number_row> find_number(database& db, id_t tenant_id, id_t number_id);
/// The tenant's number with this E.164, if any.
std::optional<number_row> find_number_by_e164(database& db, id_t tenant_id, const std::string& e164);
/// Deletes one number of the tenant unless a campaign not yet completed or cancelled calls
/// from it (in_use).
change_result delete_number(database& db, id_t tenant_id, id_t number_id);

}  // namespace dialer::storage
