#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Inserts one lead (status pending, attempts 0); returns the stored row.
/// The campaign, when given, must belong to the tenant (checked by the caller).
lead_row insert_lead(database& db, id_t tenant_id, const lead_row& row);
/// Inserts many leads in one transaction; returns their ids in order.
std::vector<id_t> insert_leads(database& db, id_t tenant_id, const std::vector<lead_row>& rows);
/// The tenant's leads matching the filter, ordered by id, with the total count.
page<lead_row> list_leads(database& db, id_t tenant_id, const lead_filter& f);
/// One lead of the tenant.
std::optional<lead_row> find_lead(database& db, id_t tenant_id, id_t lead_id);

}  // namespace dialer::storage
