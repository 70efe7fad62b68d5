#pragma once

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// The tenant's calls per UTC day for the `days` days up to and including the day of `now`,
/// oldest first; days without calls are listed with zeros. Counted by the attempt's creation.
std::vector<daily_activity> daily_activity_of(database& db, id_t tenant_id, epoch_ms now,
                                              std::int32_t days);

/// The tenant's attempts by disposition and by state, optionally of one campaign and created
/// within [from, to) (ISO 8601 UTC).
outcome_counts outcomes_of(database& db, id_t tenant_id, std::optional<id_t> campaign_id,
                           const std::optional<std::string>& from,
                           const std::optional<std::string>& to);

/// Lines in use now per campaign of the tenant: every scheduled, running or paused campaign,
/// and any other with a call still holding a line.
std::vector<campaign_lines> lines_in_use(database& db, id_t tenant_id);

/// What the tenant spent on the UTC day of `now` (calls created that day), with the month so
/// far and the day's spend per campaign.
daily_cost cost_of_day(database& db, id_t tenant_id, epoch_ms now);

}  // namespace dialer::storage
