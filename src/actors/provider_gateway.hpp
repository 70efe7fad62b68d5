#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"

namespace dialer::retell {
class client;
}

namespace dialer::actors {

/// Spawns the gateway of one provider account. It accepts (dial_atom, dial_attempt) and
/// answers the sender with (dial_result_atom, dial_result) once the provider replied.
/// A create request is never resent: the provider has no idempotency key. It also answers
/// (sync_atom, dial_attempt, call_id) with (synced_atom, sync_result): get-call when the call
/// id is known, else list-calls by the attempt id in the metadata.
caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::client& provider);

}  // namespace dialer::actors
