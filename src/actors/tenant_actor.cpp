#include "actors/tenant_actor.hpp"

#include <deque>
#include <unordered_map>
#include <vector>

#include "actors/campaign_actor.hpp"
#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "core/tenant_allowance.hpp"
#include "log/log_event.hpp"

namespace dialer::actors {
namespace {

/// Lines and money a campaign holds of its tenant's allowance.
struct campaign_share {
  std::int32_t lines = 0;
  std::int64_t held_cents = 0;
  /// Its actor failed with calls in flight: the lines stay held until the restarted actor
  /// says which calls it follows again, so no other campaign takes a line still in use.
  bool retained = false;
};

struct tenant_state {
  context_ptr ctx;
  id_t tenant_id = 0;
  tenant_allowance allowance;
  bool loaded = false;   ///< the limits have been read once
  bool loading = false;  ///< a read of the limits is under way
  bool stale = false;    ///< the limits changed while being read: read them again
  epoch_ms month_ends = 0;
  std::unordered_map<id_t, caf::actor> campaigns;  ///< campaign id -> actor
  std::unordered_map<caf::actor_addr, id_t> campaign_by_addr;
  std::unordered_map<id_t, campaign_share> shares;  ///< campaign id -> its share
  /// Campaigns refused lines for the cap (or before the limits were read): told when lines
  /// free up, and ask again.
  std::vector<caf::actor> waiting;
  std::unordered_map<id_t, std::deque<epoch_ms>> restarts;  ///< campaign id -> recent restarts
  bool budget_warned = false;
  bool budget_exhausted = false;
};

using tenant_actor = caf::stateful_actor<tenant_state>;

void ensure_campaign(tenant_actor* self, id_t campaign_id) {
  auto& st = self->state;
  if (st.campaigns.count(campaign_id)) return;
  auto a = spawn_campaign(self, st.ctx, st.tenant_id, campaign_id);
  st.campaign_by_addr[a.address()] = campaign_id;
  st.campaigns[campaign_id] = a;
}

/// Reads the tenant's limits and this month's spend; answers (limits_atom, standing, ends).
void load_limits(tenant_actor* self) {
  auto& st = self->state;
  if (st.loading) {
    st.stale = true;
    return;
  }
  st.loading = true;
  st.stale = false;
  auto c = st.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto tenant = st.tenant_id;
  run_blocking(
      *c,
      [c, me, tenant] {
        auto now = c->clock->now_ms();
        auto standing = c->store->tenant_standing_of(tenant, month_start_utc(now));
        caf::anon_send(me, limits_atom::value, standing, next_month_start_utc(now));
      },
      [c, me] { caf::delayed_anon_send(me, c->options.storage_retry, limits_atom::value, true); });
}

/// Tells every waiting campaign that lines may be free, when a grant could now give any.
void wake_waiting(tenant_actor* self) {
  auto& st = self->state;
  if (!st.loaded || st.waiting.empty()) return;
  if (auto free = st.allowance.lines_free(); free && *free == 0) return;
  for (auto& c : st.waiting) self->send(c, lines_free_atom::value);
  st.waiting.clear();
}

void wait_for_lines(tenant_actor* self, const caf::actor& campaign) {
  auto& w = self->state.waiting;
  for (auto& c : w)
    if (c == campaign) return;
  w.push_back(campaign);
}

/// Logs and publishes (once per month and threshold) the tenant's budget crossing 80% or 100%.
void on_month_budget(tenant_actor* self, budget_signal signal) {
  auto& st = self->state;
  bool warn = signal == budget_signal::warning && !st.budget_warned;
  bool exhausted = signal == budget_signal::exhausted && !st.budget_exhausted;
  if (!warn && !exhausted) return;
  st.budget_warned = true;
  if (exhausted) st.budget_exhausted = true;
  auto budget = st.allowance.limits().monthly_budget_cents.value_or(0);
  log::log_event(log::level::warn,
                 exhausted ? "tenant exhausted its monthly budget"
                           : "tenant reached 80% of its monthly budget",
                 log::fields()
                     .tenant_id(st.tenant_id)
                     .add("budget_cents", budget)
                     .add("spent_cents", st.allowance.spent_cents())
                     .add("reserved_cents", st.allowance.reserved_cents()));
  event_fields data = {{"scope", std::string("tenant")},
                       {"budget_cents", budget},
                       {"spent_cents", st.allowance.spent_cents()},
                       {"reserved_cents", st.allowance.reserved_cents()}};
  publish_event(*st.ctx, st.tenant_id, 0,
                warn ? live_event_type::budget_warn : live_event_type::budget_exhausted,
                std::move(data));
}

/// The campaign id of the actor that sent the current message (0: not one of ours).
id_t sender_campaign(tenant_actor* self) {
  auto& by_addr = self->state.campaign_by_addr;
  auto it = by_addr.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  return it == by_addr.end() ? 0 : it->second;
}

/// Gives back lines and money of a campaign's share, with what the calls cost.
void release_share(tenant_actor* self, id_t campaign, std::int32_t lines, std::int64_t held_cents,
                   std::int64_t spent_cents) {
  auto& st = self->state;
  auto& share = st.shares[campaign];
  lines = std::min(lines, share.lines);
  held_cents = std::min(held_cents, share.held_cents);
  share.lines -= lines;
  share.held_cents -= held_cents;
  if (share.lines == 0 && share.held_cents == 0) st.shares.erase(campaign);
  on_month_budget(self, st.allowance.release(lines, held_cents, spent_cents));
  wake_waiting(self);
}

/// Restarts a failed campaign actor after a backoff, unless it failed too often lately: then
/// the campaign is paused (it needs a person) instead of looping through restarts.
/// True when a restart is due.
bool restart_or_escalate(tenant_actor* self, id_t campaign_id, const caf::error& reason) {
  auto& st = self->state;
  const auto& opts = st.ctx->options;
  auto tenant_id = st.tenant_id;
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
    return false;
  }
  recent.push_back(now);
  st.ctx->metrics->actor_restart("campaign");
  // Backoff doubles with each recent failure: 100 ms, 200 ms, 400 ms...
  auto backoff =
      std::chrono::milliseconds(100) * (1 << std::min<std::size_t>(recent.size() - 1, 6));
  log::log_event(log::level::error, "campaign actor failed: restarting",
                 log::fields()
                     .tenant_id(tenant_id)
                     .campaign_id(campaign_id)
                     .add("reason", to_string(reason))
                     .add("backoff_ms", backoff.count()));
  self->delayed_send(self, backoff, status_atom::value,
                     campaign_update{tenant_id, campaign_id, campaign_status::running});
  return true;
}

caf::behavior tenant_behavior(tenant_actor* self, context_ptr ctx, id_t tenant_id, bool resume) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.tenant_id = tenant_id;
  self->set_exit_handler([=](caf::exit_msg& dm) {
    auto& s = self->state;
    auto it = s.campaign_by_addr.find(dm.source);
    if (it == s.campaign_by_addr.end()) {
      // The parent shutting down: the links pass it on to the campaigns.
      self->quit(dm.reason);
      return;
    }
    auto campaign_id = it->second;
    s.campaign_by_addr.erase(it);
    s.campaigns.erase(campaign_id);
    auto& w = s.waiting;
    w.erase(std::remove_if(w.begin(), w.end(),
                           [&](const caf::actor& c) { return c.address() == dm.source; }),
            w.end());
    auto share = s.shares.find(campaign_id);
    if (share != s.shares.end()) {
      if (dm.reason && restart_or_escalate(self, campaign_id, dm.reason))
        share->second.retained = true;
      else
        release_share(self, campaign_id, share->second.lines, share->second.held_cents, 0);
    } else if (dm.reason) {
      restart_or_escalate(self, campaign_id, dm.reason);
    }
  });
  load_limits(self);
  if (resume) {
    auto c = st.ctx;
    auto me = caf::actor_cast<caf::actor>(self);
    run_blocking(*c, [c, me, tenant_id] {
      for (auto campaign_id : c->store->campaigns_to_follow(tenant_id))
        caf::anon_send(me, follow_atom::value, tenant_id, campaign_id);
    });
  }
  return {
      [=](limits_atom, const tenant_standing& standing, epoch_ms month_ends) {
        auto& s = self->state;
        s.loading = false;
        bool new_month = s.month_ends != 0 && s.month_ends != month_ends;
        s.month_ends = month_ends;
        s.allowance.reset(standing.limits, standing.month_spent_cents);
        s.loaded = true;
        if (s.stale) load_limits(self);
        if (new_month || !standing.limits.monthly_budget_cents) {
          s.budget_warned = false;
          s.budget_exhausted = false;
        }
        wake_waiting(self);
      },
      [=](limits_atom, bool) {
        // Reading the limits failed (database away), or they changed: read them again.
        self->state.loading = false;
        load_limits(self);
      },
      [=](limits_atom) { load_limits(self); },
      [=](lines_atom, std::int32_t want, std::int64_t cost_per_call) -> line_grant {
        auto& s = self->state;
        auto campaign = caf::actor_cast<caf::actor>(self->current_sender());
        auto campaign_id = sender_campaign(self);
        if (s.loaded && s.ctx->clock->now_ms() >= s.month_ends) load_limits(self);
        if (!s.loaded) {
          wait_for_lines(self, campaign);
          return line_grant{0, tenant_refusal::concurrency, budget_signal::none};
        }
        auto g = s.allowance.grant(want, cost_per_call);
        if (g.lines > 0) {
          auto& share = s.shares[campaign_id];
          share.lines += g.lines;
          share.held_cents += g.lines * std::max<std::int64_t>(cost_per_call, 0);
        }
        if (g.refused == tenant_refusal::concurrency) wait_for_lines(self, campaign);
        if (g.refused != tenant_refusal::none)
          s.ctx->metrics->dispatch_blocked(s.tenant_id, to_string(g.refused));
        on_month_budget(self, g.signal);
        return g;
      },
      [=](release_atom, std::int32_t lines, std::int64_t held_cents, std::int64_t spent_cents) {
        release_share(self, sender_campaign(self), lines, held_cents, spent_cents);
      },
      [=](take_atom, std::int32_t lines, std::int64_t cost_per_call) {
        auto& s = self->state;
        auto campaign_id = sender_campaign(self);
        auto& share = s.shares[campaign_id];
        if (share.retained) {
          // The restarted actor follows `lines` calls again: they keep the lines retained for
          // them, and lines of calls that ended meanwhile go back.
          share.retained = false;
          auto kept = std::min(lines, share.lines);
          auto per_line = share.lines > 0 ? share.held_cents / share.lines : 0;
          release_share(self, campaign_id, share.lines - kept, per_line * (share.lines - kept), 0);
          lines -= kept;
        }
        if (lines <= 0) return;
        s.allowance.take(lines, cost_per_call);
        auto& grown = s.shares[campaign_id];
        grown.lines += lines;
        grown.held_cents += lines * std::max<std::int64_t>(cost_per_call, 0);
      },
      [=](status_atom, const campaign_update& u) {
        auto& s = self->state;
        auto it = s.campaigns.find(u.campaign_id);
        bool needs_actor =
            u.status == campaign_status::running || u.status == campaign_status::scheduled;
        if (needs_actor && it == s.campaigns.end()) {
          ensure_campaign(self, u.campaign_id);
          return;
        }
        if (it != s.campaigns.end()) self->send(it->second, status_atom::value, u);
      },
      [=](follow_atom, id_t, id_t campaign_id) {
        // A campaign with calls in flight needs its actor whatever its status.
        ensure_campaign(self, campaign_id);
      },
      [=](recheck_atom) {
        for (auto& [id, campaign] : self->state.campaigns)
          self->send(campaign, recheck_atom::value);
      },
      [=](taken_atom, id_t campaign_id, id_t attempt_id) {
        auto& campaigns = self->state.campaigns;
        if (auto it = campaigns.find(campaign_id); it != campaigns.end())
          self->send(it->second, taken_atom::value, attempt_id);
      },
      [=](lookup_atom, id_t campaign_id) -> caf::actor {
        auto it = self->state.campaigns.find(campaign_id);
        return it == self->state.campaigns.end() ? caf::actor{} : it->second;
      },
      [=](adopt_atom, orphan_lookup& o) -> bool {
        auto it = self->state.campaigns.find(o.attempt->attempt.campaign_id);
        if (it == self->state.campaigns.end()) return false;
        self->send(it->second, adopt_atom::value, std::move(o));
        return true;
      },
  };
}

}  // namespace

caf::actor spawn_tenant(caf::event_based_actor* parent, context_ptr ctx, id_t tenant_id,
                        bool resume) {
  return parent->spawn<caf::linked>(tenant_behavior, std::move(ctx), tenant_id, resume);
}

}  // namespace dialer::actors
