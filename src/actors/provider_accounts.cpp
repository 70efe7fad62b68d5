#include "actors/provider_accounts.hpp"

#include <unordered_map>
#include <vector>

#include "actors/engine_store.hpp"
#include "actors/messages.hpp"
#include "log/log_event.hpp"

namespace dialer::actors {
namespace {

/// What the registry knows of one tenant's provider account.
struct tenant_account {
  std::uint64_t generation = 0;                ///< the latest load started; older answers are stale
  bool loading = false;                        ///< a load of `generation` is under way
  bool known = false;                          ///< `own` holds the settings of a finished load
  std::optional<provider_account> own;         ///< nullopt: the platform account
  caf::actor gateway;                          ///< the tenant's own gateway, once spawned
  provider_account gateway_account;            ///< the settings its client was last built from
  std::vector<caf::response_promise> waiting;  ///< gateway requests waiting for a load
};

struct accounts_state {
  context_ptr ctx;
  caf::actor platform;
  own_gateway_spawner spawn_own;
  std::unordered_map<id_t, tenant_account> tenants;
};

using accounts_actor = caf::stateful_actor<accounts_state>;

/// The gateway new calls of this tenant use now.
caf::actor current_gateway(const accounts_state& st, const tenant_account& t) {
  return t.own ? t.gateway : st.platform;
}

/// Reads the tenant's settings from the store on the blocking pool.
void load(accounts_actor* self, id_t tenant_id) {
  auto& t = self->state.tenants[tenant_id];
  t.known = false;
  t.loading = true;
  auto generation = ++t.generation;
  auto ctx = self->state.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  run_blocking(
      *ctx,
      [ctx, me, tenant_id, generation] {
        account_settings_loaded r{tenant_id, generation,
                                  ctx->store->provider_account_of(tenant_id)};
        caf::anon_send(me, account_loaded_atom::value, std::move(r));
      },
      [ctx, me, tenant_id, generation] {
        caf::delayed_anon_send(me, ctx->options.storage_retry, retry_atom::value, tenant_id,
                               generation);
      });
}

void on_loaded(accounts_actor* self, account_settings_loaded& r) {
  auto& st = self->state;
  auto& t = st.tenants[r.tenant_id];
  if (r.generation != t.generation) return;  // the settings changed again meanwhile
  t.loading = false;
  t.known = true;
  if (r.own) {
    if (!t.gateway) {
      t.gateway = st.spawn_own(self, r.tenant_id, *r.own);
      t.gateway_account = *r.own;
    } else if (t.gateway_account != *r.own) {
      self->send(t.gateway, account_atom::value, *r.own);
      t.gateway_account = *r.own;
    }
  }
  t.own = std::move(r.own);
  // Once per tenant and per change of its settings; never the key.
  log::log_event(log::level::info, "provider account of the tenant's new calls",
                 log::fields().tenant_id(r.tenant_id).add("account", t.own ? "own" : "platform"));
  auto gateway = current_gateway(st, t);
  for (auto& promise : t.waiting) promise.deliver(gateway);
  t.waiting.clear();
}

caf::behavior accounts_behavior(accounts_actor* self, context_ptr ctx, caf::actor platform,
                                own_gateway_spawner spawn_own) {
  self->state.ctx = std::move(ctx);
  self->state.platform = std::move(platform);
  self->state.spawn_own = std::move(spawn_own);
  return {
      [=](gateway_atom, id_t tenant_id) {
        auto promise = self->make_response_promise();
        auto& t = self->state.tenants[tenant_id];
        if (t.known) {
          promise.deliver(current_gateway(self->state, t));
          return;
        }
        t.waiting.push_back(std::move(promise));
        if (!t.loading) load(self, tenant_id);
      },
      [=](account_changed_atom, id_t tenant_id) { load(self, tenant_id); },
      [=](account_loaded_atom, account_settings_loaded& r) { on_loaded(self, r); },
      [=](retry_atom, id_t tenant_id, std::uint64_t generation) {
        // Reading the settings failed (database away): read them again unless a newer load runs.
        auto& t = self->state.tenants[tenant_id];
        if (t.generation == generation && t.loading) load(self, tenant_id);
      },
  };
}

}  // namespace

caf::actor spawn_provider_accounts(caf::actor_system& sys, context_ptr ctx, caf::actor platform,
                                   own_gateway_spawner spawn_own) {
  return sys.spawn(accounts_behavior, std::move(ctx), std::move(platform), std::move(spawn_own));
}

}  // namespace dialer::actors
