#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/engine_context.hpp"
#include "core/provider_account.hpp"
#include "core/provider_retry.hpp"

namespace dialer::retell {
class provider_api;
}

namespace dialer::actors {

/// Limits and waits of one provider account's gateway.
struct gateway_options {
  /// Lines the account may use at once; 0: not configured, read from the provider
  /// (get-concurrency) when the gateway starts, and nothing is dialled until it is known.
  std::int64_t account_concurrency = 0;
  std::string account = std::string(platform_account);  ///< metrics label of the account
  /// Calls per second from a caller number the tenant has not registered (a registered
  /// number's own calls_per_second comes with each create).
  double default_calls_per_second = 1;
  /// Waits before asking again (look-ups, get-concurrency) and after a 429 on a create; the
  /// cap on a provider's Retry-After.
  provider_backoff backoff;
  /// Tries of one get-call or list-calls (the first included) while the provider answers
  /// 408/409/429/5xx or not at all; then the call actor hears "could not ask".
  std::int32_t lookup_tries = 4;
  /// Seeds the backoff jitter; 0: a random seed.
  std::uint64_t jitter_seed = 0;
};

/// Spawns the gateway of one provider account.
///
/// - (dial_atom, dial_attempt) from a call actor: the create is queued and sent when the
///   account may take it; the call actor gets (dial_result_atom, dial_result). A create is
///   never resent (the provider has no idempotency key). Creates wait, in order and with their
///   state kept, while the account's lines are all in use (or its limit is not known yet),
///   while the caller number has used its calls per second (a token bucket per from_number,
///   counted when the request leaves, so requests in flight count), after a 429 until its
///   Retry-After passed (or a backoff with jitter when the answer had none: the refused lead
///   waits as long, told in dial_result::retry_after_ms), and while the provider is failing
///   (a circuit breaker: 5 failures in a row hold dialling for 2 s, then one probe; each
///   failed probe doubles the wait up to a minute). Timers release them: no polling.
/// - (sync_atom, dial_attempt, call_id): get-call when the call id is known, else list-calls
///   by the attempt id in the metadata, asked again after 408/409/429/5xx or no answer (the
///   Retry-After, else backoff) up to lookup_tries; answers (synced_atom, sync_result).
/// - (line_taken_atom, dial_attempt): a call actor follows an attempt already at the provider
///   (after a restart, or adopted for a webhook): its line counts against the account's limit.
/// - (line_freed_atom, attempt_id): the call actor's line is free. A call actor that ends
///   without saying so (a crash) frees its line too (the gateway monitors it).
///
/// The account's lines in use, its limit and the creates waiting go to `metrics` (which must
/// outlive the actor).
caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::provider_api& provider,
                                  const clock_source& clock, gateway_options options,
                                  engine_metrics& metrics);

/// Builds the provider client of a tenant's own account; throws std::invalid_argument when the
/// account cannot be used (a bad base URL).
using client_factory =
    std::function<std::shared_ptr<retell::provider_api>(const provider_account&)>;

/// Spawns, linked to `parent`, the gateway of a tenant's own provider account: as above, with a
/// client built by `make_client` from `account`. (account_atom, provider_account) says the
/// tenant changed its key or base URL: new creates (and attempts followed again) use a client
/// for the new settings, while each attempt already dialled keeps the client it was dialled
/// with until its line is freed; a limit read from the provider is read again for the new
/// settings (creates wait meanwhile). A gateway whose client cannot be built refuses creates
/// (400).
caf::actor spawn_own_gateway(caf::event_based_actor* parent, client_factory make_client,
                             const provider_account& account, const clock_source& clock,
                             gateway_options options, engine_metrics& metrics);

}  // namespace dialer::actors
