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

/// Replaces the editable fields of one lead of the tenant (campaign, contact, consent,
/// priority, metadata; never its status or attempts) unless it is being called right now
/// (in_progress). Throws conflict_error when its campaign already has the new phone.
guarded_update<lead_row> update_lead(database& db, id_t tenant_id, id_t lead_id,
                                     const lead_row& row);

/// Deletes one lead of the tenant unless it is being called (in_progress) or has call
/// attempts, which keep it for the call history (in_use). Its compliance decisions stay,
/// detached from it.
change_result delete_lead(database& db, id_t tenant_id, id_t lead_id);

/// Inserts a batch of leads into one campaign of the tenant (or none) in one statement,
/// skipping each lead whose phone the campaign already has, in the database or earlier in
/// the batch. Returns, for each row in order, whether it was inserted. The campaign must be
/// the tenant's (checked by the caller); rows' own campaign_id is ignored.
std::vector<bool> insert_new_leads(database& db, id_t tenant_id, std::optional<id_t> campaign_id,
                                   const std::vector<lead_row>& rows);

}  // namespace dialer::storage
