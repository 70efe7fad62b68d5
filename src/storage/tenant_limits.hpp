#pragma once

#include <optional>
#include <vector>

#include "core/domain.hpp"
#include "core/tenant_allowance.hpp"

namespace dialer::storage {

class database;

/// The tenant's shared limits, or nullopt when there is no such tenant.
std::optional<tenant_limits> tenant_limits_of(database& db, id_t tenant_id);

/// Replaces the tenant's shared limits; returns them as stored, or nullopt when there is no
/// such tenant.
std::optional<tenant_limits> set_tenant_limits(database& db, id_t tenant_id,
                                               const tenant_limits& limits);

/// The tenant's limits and the cost of its calls that ended since `month_start` (no limits and
/// nothing spent for an unknown tenant).
tenant_standing tenant_standing_of(database& db, id_t tenant_id, epoch_ms month_start);

/// The tenant's campaigns that need an actor: running or scheduled, or with attempts open.
std::vector<id_t> campaigns_to_follow(database& db, id_t tenant_id);

}  // namespace dialer::storage
