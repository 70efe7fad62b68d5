#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"

namespace dialer::actors {

/// Spawns the root supervisor: it owns one campaign actor per running or paused campaign,
/// restarts a campaign actor that dies abnormally (after a backoff), and routes each stored
/// webhook to the call actor of its attempt, or to whoever must follow an unfollowed attempt.
/// (lookup_atom, campaign_id) answers the campaign's actor (invalid when none runs).
caf::actor spawn_engine_root(caf::actor_system& sys, context_ptr ctx);

}  // namespace dialer::actors
