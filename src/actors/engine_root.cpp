#include "actors/engine_root.hpp"

#include <deque>
#include <unordered_map>

#include "actors/campaign_actor.hpp"
#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "core/call_progress.hpp"
#include "log/log_event.hpp"

namespace dialer::actors {
namespace {

struct campaign_entry {
  caf::actor actor;
  id_t tenant_id = 0;
};

struct root_state {
  context_ptr ctx;
  std::unordered_map<id_t, campaign_entry> campaigns;  ///< campaign id -> actor
  std::unordered_map<caf::actor_addr, id_t> campaign_by_addr;
  std::unordered_map<id_t, caf::actor> calls;  ///< attempt id -> call actor
  std::unordered_map<id_t, std::deque<epoch_ms>> restarts;  ///< campaign id -> recent restarts
};

using root_actor = caf::stateful_actor<root_state>;

void ensure_campaign(root_actor* self, id_t tenant_id, id_t campaign_id) {
  auto& st = self->state;
  if (st.campaigns.count(campaign_id)) return;
  auto a = spawn_campaign(self, st.ctx, tenant_id, campaign_id);
  st.campaign_by_addr[a.address()] = campaign_id;
  st.campaigns[campaign_id] = campaign_entry{a, tenant_id};
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
  run_blocking(*ctx, [ctx, o] {
    const auto& w = o.webhook;
    if (o.attempt) {
      call_progress p;
      p.state = o.attempt->state;
      p = apply_event(p, w.event);
      ctx->store->record_call_progress(o.attempt->attempt.tenant_id,
                                       o.attempt->attempt.attempt_id, p.state, p.outcome,
                                       w.event.call, w.inbox_id);
      return;
    }
    log::log_event(log::level::warn, "stored webhook names an unknown attempt",
                   log::fields()
                       .tenant_id(w.tenant_id)
                       .attempt_id(w.attempt_id)
                       .provider_call_id(w.event.call.call_id)
                       .add("inbox_id", w.inbox_id));
    ctx->store->mark_webhook_applied(w.inbox_id);
  }, again);
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
              if (auto it = calls.find(attempt_id); it != calls.end() && it->second.address() == addr)
                calls.erase(it);
              self->send(self, webhook_atom::value, std::move(w));
            });
}

/// Restarts a failed campaign actor after a backoff, unless it failed too often lately: then
/// the campaign is paused (it needs a person) instead of looping through restarts.
void restart_or_escalate(root_actor* self, id_t tenant_id, id_t campaign_id,
                         const caf::error& reason) {
  auto& st = self->state;
  const auto& opts = st.ctx->options;
  auto now = st.ctx->clock->now_ms();
  auto& recent = st.restarts[campaign_id];
  while (!recent.empty() && recent.front() < now - opts.restart_window.count()) recent.pop_front();
  if (static_cast<std::int32_t>(recent.size()) >= opts.max_restarts) {
    st.ctx->metrics->actor_restart("campaign_escalated");
    log::log_event(log::level::error, "campaign actor failed too often: campaign paused",
                   log::fields()
                       .tenant_id(tenant_id)
                       .campaign_id(campaign_id)
                       .add("failures", recent.size() + 1)
                       .add("window_ms", opts.restart_window.count())
                       .add("reason", to_string(reason)));
    st.restarts.erase(campaign_id);
    auto c = st.ctx;
    run_blocking(*c, [c, tenant_id, campaign_id] {
      if (c->store->transition_campaign(tenant_id, campaign_id, campaign_status::running,
                                        campaign_status::paused))
        publish_event(*c, tenant_id, campaign_id, live_event_type::campaign_status,
                      campaign_status_fields(campaign_id, campaign_status::paused));
    });
    return;
  }
  recent.push_back(now);
  st.ctx->metrics->actor_restart("campaign");
  // Backoff doubles with each recent failure: 100 ms, 200 ms, 400 ms...
  auto backoff = std::chrono::milliseconds(100) * (1 << std::min<std::size_t>(recent.size() - 1, 6));
  log::log_event(log::level::error, "campaign actor failed: restarting",
                 log::fields()
                     .tenant_id(tenant_id)
                     .campaign_id(campaign_id)
                     .add("reason", to_string(reason))
                     .add("backoff_ms", backoff.count()));
  self->delayed_send(self, backoff, status_atom::value,
                     campaign_update{tenant_id, campaign_id, campaign_status::running});
}

caf::behavior root_behavior(root_actor* self, context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  self->set_exit_handler([=](caf::exit_msg& dm) {
    auto& st = self->state;
    auto it = st.campaign_by_addr.find(dm.source);
    if (it == st.campaign_by_addr.end()) {
      self->quit(dm.reason);
      return;
    }
    auto campaign_id = it->second;
    auto tenant_id = st.campaigns[campaign_id].tenant_id;
    st.campaign_by_addr.erase(it);
    st.campaigns.erase(campaign_id);
    if (dm.reason) restart_or_escalate(self, tenant_id, campaign_id, dm.reason);
  });
  return {
      [=](status_atom, const campaign_update& u) {
        auto& st = self->state;
        auto it = st.campaigns.find(u.campaign_id);
        bool needs_actor =
            u.status == campaign_status::running || u.status == campaign_status::scheduled;
        if (needs_actor && it == st.campaigns.end()) {
          ensure_campaign(self, u.tenant_id, u.campaign_id);
          return;
        }
        if (it != st.campaigns.end()) self->send(it->second.actor, status_atom::value, u);
      },
      [=](lookup_atom, id_t campaign_id) -> caf::actor {
        auto it = self->state.campaigns.find(campaign_id);
        return it == self->state.campaigns.end() ? caf::actor{} : it->second.actor;
      },
      [=](follow_atom, id_t tenant_id, id_t campaign_id) {
        // A campaign with calls in flight needs its actor whatever its status.
        ensure_campaign(self, tenant_id, campaign_id);
      },
      [=](register_atom, id_t attempt_id, const caf::actor& call) {
        self->state.calls[attempt_id] = call;
      },
      [=](unregister_atom, id_t attempt_id) { self->state.calls.erase(attempt_id); },
      [=](webhook_atom, inbound_webhook& w) {
        auto& st = self->state;
        auto it = st.calls.find(w.attempt_id);
        if (it != st.calls.end()) {
          deliver_to_call(self, it->second, std::move(w));
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
          auto camp = st.campaigns.find(o.attempt->attempt.campaign_id);
          if (!releases_line(o.attempt->state) && camp != st.campaigns.end()) {
            self->send(camp->second.actor, adopt_atom::value, std::move(o));
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
