#include "actors/engine_root.hpp"

#include <deque>
#include <unordered_map>

#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "actors/tenant_actor.hpp"
#include "core/call_progress.hpp"
#include "log/log_event.hpp"

namespace dialer::actors {
namespace {

struct root_state {
  context_ptr ctx;
  std::unordered_map<id_t, caf::actor> tenants;  ///< tenant id -> tenant actor
  std::unordered_map<caf::actor_addr, id_t> tenant_by_addr;
  std::unordered_map<id_t, id_t> campaign_tenant;          ///< campaign id -> tenant id (look-ups)
  std::unordered_map<id_t, caf::actor> calls;              ///< attempt id -> call actor
  std::unordered_map<id_t, std::int32_t> tenant_failures;  ///< tenant id -> restarts so far
};

using root_actor = caf::stateful_actor<root_state>;

/// The tenant's actor, spawned on first need (`resume`: it starts its campaigns itself).
caf::actor ensure_tenant(root_actor* self, id_t tenant_id, bool resume = false) {
  auto& st = self->state;
  if (auto it = st.tenants.find(tenant_id); it != st.tenants.end()) return it->second;
  auto a = spawn_tenant(self, st.ctx, tenant_id, resume);
  st.tenant_by_addr[a.address()] = tenant_id;
  st.tenants[tenant_id] = a;
  return a;
}

/// Applies a webhook for an attempt that no live actor needs: store what the provider said.
void apply_without_actor(root_actor* self, orphan_lookup o) {
  auto ctx = self->state.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  // On a database error the event is looked at again later: it is acknowledged, so it must be
  // applied (the inbox row stays unapplied until then).
  auto again = [me, o, ctx] {
    caf::delayed_anon_send(me, ctx->options.storage_retry, orphan_atom::value, o);
  };
  const auto& w = o.webhook;
  if (!o.attempt)
    log::log_event(log::level::warn, "stored webhook names an unknown attempt",
                   log::fields()
                       .tenant_id(w.tenant_id)
                       .attempt_id(w.attempt_id)
                       .provider_call_id(w.event.call.call_id)
                       .add("inbox_id", w.inbox_id));
  run_write(
      *ctx,
      [ctx, o] {
        const auto& w = o.webhook;
        if (!o.attempt) {
          ctx->store->mark_webhook_applied(w.inbox_id);
          return;
        }
        call_progress p;
        p.state = o.attempt->state;
        p = apply_event(p, w.event);
        ctx->store->record_call_progress(o.attempt->attempt.tenant_id,
                                         o.attempt->attempt.attempt_id, p.state, p.outcome,
                                         w.event.call, w.inbox_id);
      },
      [] {}, again);
}

/// Hands a stored webhook to the call actor following its attempt. A call actor may have
/// ended after root last heard from it (its unregistration still on the way): the request then
/// fails, the stale registration goes, and the webhook is routed again, so an acknowledged
/// webhook is always applied.
void deliver_to_call(root_actor* self, const caf::actor& call, inbound_webhook w) {
  auto attempt_id = w.attempt_id;
  auto addr = call.address();
  self->request(call, caf::infinite, webhook_atom::value, w)
      .then([](bool) {},
            [self, attempt_id, addr, w](caf::error&) mutable {
              auto& calls = self->state.calls;
              if (auto it = calls.find(attempt_id);
                  it != calls.end() && it->second.address() == addr)
                calls.erase(it);
              self->send(self, webhook_atom::value, std::move(w));
            });
}

/// Restarts a failed tenant actor after a backoff (doubling up to 30 s); it starts its
/// campaigns again from what is stored.
void restart_tenant(root_actor* self, id_t tenant_id, const caf::error& reason) {
  auto& st = self->state;
  auto failures = ++st.tenant_failures[tenant_id];
  st.ctx->metrics->actor_restart("tenant");
  auto backoff = std::min(std::chrono::milliseconds(100) * (1 << std::min(failures - 1, 9)),
                          std::chrono::milliseconds(30'000));
  log::log_event(log::level::error, "tenant actor failed: restarting",
                 log::fields()
                     .tenant_id(tenant_id)
                     .add("reason", to_string(reason))
                     .add("backoff_ms", backoff.count()));
  self->delayed_send(self, backoff, follow_atom::value, tenant_id);
}

caf::behavior root_behavior(root_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  self->set_exit_handler([=](caf::exit_msg& dm) {
    auto& st = self->state;
    auto it = st.tenant_by_addr.find(dm.source);
    if (it == st.tenant_by_addr.end()) {
      self->quit(dm.reason);
      return;
    }
    auto tenant_id = it->second;
    st.tenant_by_addr.erase(it);
    st.tenants.erase(tenant_id);
    if (dm.reason) restart_tenant(self, tenant_id, dm.reason);
  });
  return {
      [=](status_atom, const campaign_update& u) {
        self->state.campaign_tenant[u.campaign_id] = u.tenant_id;
        self->send(ensure_tenant(self, u.tenant_id), status_atom::value, u);
      },
      [=](lookup_atom, id_t campaign_id) -> caf::result<caf::actor> {
        auto& st = self->state;
        auto owner = st.campaign_tenant.find(campaign_id);
        if (owner == st.campaign_tenant.end()) return caf::actor{};
        auto tenant = st.tenants.find(owner->second);
        if (tenant == st.tenants.end()) return caf::actor{};
        auto rp = self->make_response_promise<caf::actor>();
        self->request(tenant->second, caf::infinite, lookup_atom::value, campaign_id)
            .then([rp](const caf::actor& a) mutable { rp.deliver(a); },
                  [rp](caf::error&) mutable { rp.deliver(caf::actor{}); });
        return rp;
      },
      [=](tenant_atom, id_t tenant_id) -> caf::actor {
        auto it = self->state.tenants.find(tenant_id);
        return it == self->state.tenants.end() ? caf::actor{} : it->second;
      },
      [=](follow_atom, id_t tenant_id, id_t campaign_id) {
        self->state.campaign_tenant[campaign_id] = tenant_id;
        self->send(ensure_tenant(self, tenant_id), follow_atom::value, tenant_id, campaign_id);
      },
      [=](follow_atom, id_t tenant_id) {
        // A tenant actor's restart is due: it starts its campaigns again itself.
        ensure_tenant(self, tenant_id, true);
      },
      [=](limits_atom, id_t tenant_id) {
        auto& tenants = self->state.tenants;
        if (auto it = tenants.find(tenant_id); it != tenants.end())
          self->send(it->second, limits_atom::value);
      },
      [=](recheck_atom, id_t tenant_id) {
        auto& tenants = self->state.tenants;
        if (auto it = tenants.find(tenant_id); it != tenants.end())
          self->send(it->second, recheck_atom::value);
      },
      [=](taken_atom, id_t tenant_id, id_t campaign_id, id_t attempt_id) {
        auto& tenants = self->state.tenants;
        if (auto it = tenants.find(tenant_id); it != tenants.end())
          self->send(it->second, taken_atom::value, campaign_id, attempt_id);
      },
      [=](register_atom, id_t attempt_id, const caf::actor& call) {
        self->state.calls[attempt_id] = call;
      },
      [=](unregister_atom, id_t attempt_id) { self->state.calls.erase(attempt_id); },
      [=](ending_atom, inbound_webhook& w) {
        // Only a live call actor can give a line back early; without one, the stored webhook
        // does everything when it comes.
        auto& calls = self->state.calls;
        if (auto it = calls.find(w.attempt_id); it != calls.end())
          self->send(it->second, ending_atom::value, std::move(w));
      },
      [=](webhook_atom, inbound_webhook& w) {
        auto& st = self->state;
        auto it = st.calls.find(w.attempt_id);
        if (it != st.calls.end()) {
          deliver_to_call(self, it->second, std::move(w));
          return;
        }
        if (w.attempt_id && w.tenant_id && !st.tenants.count(w.tenant_id)) {
          // No actor of its tenant runs, so no campaign can follow or adopt the call: its data
          // is stored as it comes, without reading the attempt first (the write locks it and
          // never moves it back).
          orphan_lookup o;
          o.attempt.emplace();
          o.attempt->attempt.tenant_id = w.tenant_id;
          o.attempt->attempt.attempt_id = w.attempt_id;
          o.webhook = std::move(w);
          apply_without_actor(self, std::move(o));
          return;
        }
        auto c = st.ctx;
        auto me = caf::actor_cast<caf::actor>(self);
        run_blocking(
            *c,
            [c, me, w] {
              orphan_lookup o;
              o.attempt = c->store->find_attempt(w.attempt_id);
              o.webhook = w;
              caf::anon_send(me, orphan_atom::value, std::move(o));
            },
            [c, me, w] {
              caf::delayed_anon_send(me, c->options.storage_retry, webhook_atom::value, w);
            });
      },
      [=](orphan_atom, orphan_lookup& o) {
        auto& st = self->state;
        if (o.attempt) {
          auto live = st.calls.find(o.attempt->attempt.attempt_id);
          if (live != st.calls.end()) {
            deliver_to_call(self, live->second, std::move(o.webhook));
            return;
          }
          auto tenant = st.tenants.find(o.attempt->attempt.tenant_id);
          if (!releases_line(o.attempt->state) && tenant != st.tenants.end()) {
            // Its campaign (if it runs) follows the call; otherwise only the data is stored.
            self->request(tenant->second, caf::infinite, adopt_atom::value, o)
                .then(
                    [self, o](bool adopted) {
                      if (!adopted) apply_without_actor(self, o);
                    },
                    [self, o](caf::error&) { apply_without_actor(self, o); });
            return;
          }
        }
        apply_without_actor(self, std::move(o));
      },
  };
}

}  // namespace

caf::actor spawn_engine_root(caf::actor_system& sys, context_ptr ctx) {
  return sys.spawn(root_behavior, std::move(ctx));
}

}  // namespace dialer::actors
