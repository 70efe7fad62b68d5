#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Inserts a campaign in status draft; returns the stored row.
campaign_row insert_campaign(database& db, id_t tenant_id, const campaign_row& row);
/// The tenant's campaigns of kind campaign (outbound calls are left out), optionally in one
/// status, newest first, with the total count.
page<campaign_row> list_campaigns(database& db, id_t tenant_id, const std::string& status,
                                  std::int32_t limit, std::int32_t offset);
/// One campaign of the tenant.
std::optional<campaign_row> find_campaign(database& db, id_t tenant_id, id_t campaign_id);
/// Replaces the settings of one campaign of the tenant (everything but its status) while it
/// is draft or paused; wrong_state otherwise. The agent must be the tenant's (checked by the
/// caller; a foreign one is refused by the schema).
guarded_update<campaign_row> update_campaign(database& db, id_t tenant_id, id_t campaign_id,
                                             const campaign_row& row);
/// Moves the campaign from status `from` to `to` only if it is still in `from` (compare and
/// set). Returns the updated row, or nullopt when it was not in `from` (or does not exist).
std::optional<campaign_row> transition_campaign(database& db, id_t tenant_id, id_t campaign_id,
                                                campaign_status from, campaign_status to);
/// Stats of one campaign of the tenant; `now` decides which pending leads are due.
campaign_stats stats_of_campaign(database& db, id_t tenant_id, id_t campaign_id, epoch_ms now);
/// Counts `standbys` dials (journalled as dialing, waiting for a line, not sent) as queued
/// rather than in progress, so that calls in progress stay within the campaign's cap.
void count_standbys_as_queued(campaign_stats& stats, std::int64_t standbys);
/// Every campaign (all tenants) in this status: used at start-up to resume running campaigns.
std::vector<campaign_row> campaigns_in_status(database& db, campaign_status status);
/// The plan the pacing loop needs (joins the agent for its provider agent id).
std::optional<campaign_plan> load_campaign_plan(database& db, id_t tenant_id, id_t campaign_id);
/// Closes every pending lead of the campaign as cancelled with `reason`; returns how many.
std::int64_t cancel_pending_leads(database& db, id_t tenant_id, id_t campaign_id,
                                  const std::string& reason);

}  // namespace dialer::storage
