#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"

namespace dialer::actors {

/// Spawns the actor of one tenant (linked to `parent`): it owns the tenant's campaign actors
/// (restarting one that fails, after a backoff, and pausing a campaign that fails too often)
/// and the limits its campaigns share: lines at once and the month's budget. Campaigns ask it
/// (lines_atom, want, cost_per_call) -> line_grant before each dial and give lines back with
/// (release_atom, lines, held_cents, spent_cents); calls followed again after a restart are
/// counted with (take_atom, lines, cost_per_call). With `resume`, it first starts the actors
/// of the tenant's campaigns that need one (after the tenant actor itself was restarted).
caf::actor spawn_tenant(caf::event_based_actor* parent, context_ptr ctx, id_t tenant_id,
                        bool resume);

}  // namespace dialer::actors
