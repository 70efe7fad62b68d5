#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"

namespace dialer::actors {

/// Spawns the pacing actor of one campaign (linked to `parent`, its tenant actor, which shares
/// the tenant's lines and monthly budget with it). It follows the campaign's
/// open attempts again, then dials due leads without exceeding max_concurrent_calls, and
/// marks the campaign completed when every lead is terminal. It understands
/// (status_atom, campaign_update), (adopt_atom, orphan_lookup) and quits when the campaign
/// is finished and no call is in flight, sending (finished_atom, campaign_id) to root.
caf::actor spawn_campaign(caf::event_based_actor* parent, context_ptr ctx, id_t tenant_id,
                          id_t campaign_id);

}  // namespace dialer::actors
