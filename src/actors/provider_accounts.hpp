#pragma once

#include <caf/fwd.hpp>

#include <functional>

#include "actors/engine_context.hpp"
#include "core/provider_account.hpp"

namespace dialer::actors {

/// Spawns, linked to `registry`, the gateway of tenant `tenant_id`'s own provider account.
using own_gateway_spawner = std::function<caf::actor(
    caf::event_based_actor* registry, id_t tenant_id, const provider_account& account)>;

/// Spawns the registry of provider accounts: which gateway places a tenant's new calls. Tenants
/// without their own key use `platform`; a tenant with one gets its own gateway, spawned with
/// `spawn_own` the first time a call of the tenant needs it or its settings change, and kept
/// for the life of the registry (lines of calls in flight stay counted there).
///
/// - (gateway_atom, tenant_id) -> caf::actor: the gateway of the tenant's current account (read
///   from ctx->store once, then cached). Call actors ask once and keep the answer, so a call
///   finishes on the account it started on.
/// - (account_changed_atom, tenant_id): the tenant's settings changed (already committed):
///   they are read again, requests wait meanwhile; a new key or base URL goes to the tenant's
///   gateway as (account_atom, provider_account); a removed key sends new calls to `platform`.
caf::actor spawn_provider_accounts(caf::actor_system& sys, context_ptr ctx, caf::actor platform,
                                   own_gateway_spawner spawn_own);

}  // namespace dialer::actors
