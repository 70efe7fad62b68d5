#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"

namespace dialer::actors {

/// Spawns the root supervisor: it owns one tenant actor per tenant with campaigns to run (each
/// owning that tenant's campaign actors), restarts a tenant actor that dies abnormally (after a
/// backoff), and routes each stored webhook to the call actor of its attempt, or to whoever
/// must follow an unfollowed attempt. (lookup_atom, campaign_id) answers the campaign's actor
/// (invalid when none runs), (tenant_atom, tenant_id) the tenant's; (limits_atom, tenant_id) makes the tenant read its limits again.
caf::actor spawn_engine_root(caf::actor_system& sys, context_ptr ctx);

}  // namespace dialer::actors
