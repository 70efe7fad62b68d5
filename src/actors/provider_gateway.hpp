#pragma once

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actors/engine_context.hpp"
#include "core/provider_account.hpp"

namespace dialer::retell {
class client;
}

namespace dialer::actors {

/// Spawns the gateway of one provider account. It accepts (dial_atom, dial_attempt) and
/// answers the sender with (dial_result_atom, dial_result) once the provider replied.
/// A create request is never resent: the provider has no idempotency key. It also answers
/// (sync_atom, dial_attempt, call_id) with (synced_atom, sync_result): get-call when the call
/// id is known, else list-calls by the attempt id in the metadata.
/// Limits of one provider account.
struct gateway_options {
  std::int64_t account_concurrency = 0;  ///< lines the account may use at once; 0: no limit
  std::string account = std::string(platform_account);  ///< metrics label of the account
};

/// Creates wait in the gateway (in order, state kept) while the account's lines are all in use
/// or while the provider is failing (a circuit breaker: 5 failures in a row hold dialling for
/// 2 s, then one probe; each failed probe doubles the wait up to a minute). Call actors send
/// (line_freed_atom, attempt_id) when their line is free. The account's lines in use go to
/// `metrics` (which must outlive the actor).
caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::client& provider,
                                  const clock_source& clock, gateway_options options,
                                  engine_metrics& metrics);

/// Builds the provider client of a tenant's own account; throws std::invalid_argument when the
/// account cannot be used (a bad base URL).
using client_factory = std::function<std::shared_ptr<retell::client>(const provider_account&)>;

/// Spawns, linked to `parent`, the gateway of a tenant's own provider account: as above, with a
/// client built by `make_client` from `account`. (account_atom, provider_account) says the
/// tenant changed its key or base URL: new creates (and attempts followed again) use a client
/// for the new settings, while each attempt already dialled keeps the client it was dialled
/// with until its line is freed. A gateway whose client cannot be built refuses creates (400).
caf::actor spawn_own_gateway(caf::event_based_actor* parent, client_factory make_client,
                             const provider_account& account, const clock_source& clock,
                             gateway_options options, engine_metrics& metrics);

}  // namespace dialer::actors
