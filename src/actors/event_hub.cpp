#include "actors/event_hub.hpp"

#include <caf/all.hpp>

#include <unordered_map>
#include <vector>

#include "actors/engine_context.hpp"
#include "core/stats_coalescer.hpp"

namespace dialer::actors {
namespace {

using hub_subscribe_atom = caf::atom_constant<caf::atom("evsub")>;
using hub_unsubscribe_atom = caf::atom_constant<caf::atom("evunsub")>;
using hub_publish_atom = caf::atom_constant<caf::atom("evpub")>;
using hub_flush_atom = caf::atom_constant<caf::atom("evflush")>;

}  // namespace

/// A subscriber as the hub's messages carry it.
struct hub_subscription {
  std::shared_ptr<event_sink> sink;
  subscription_filter filter;
  bool acknowledge = false;
};

/// An event as the hub's messages carry it: shared, never copied per subscriber.
struct hub_event {
  std::shared_ptr<const live_event> event;
};

}  // namespace dialer::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::hub_subscription)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::hub_event)

namespace dialer::actors {
namespace {

struct subscriber {
  std::shared_ptr<event_sink> sink;
  subscription_filter filter;
};

struct hub_state {
  const clock_source* clock = nullptr;
  std::chrono::milliseconds stats_interval{1000};
  std::unordered_map<id_t, std::vector<subscriber>> by_tenant;
  stats_coalescer stats;
  bool flush_armed = false;
};

using hub_actor = caf::stateful_actor<hub_state>;

/// Hands `ev` to every matching subscriber of its tenant; forgets those that refuse it.
void fan_out(hub_actor* self, const std::shared_ptr<const live_event>& ev) {
  auto it = self->state.by_tenant.find(ev->tenant_id);
  if (it == self->state.by_tenant.end()) return;
  auto& subs = it->second;
  for (auto s = subs.begin(); s != subs.end();) {
    if (s->filter.matches(*ev) && !s->sink->deliver(ev)) {
      s = subs.erase(s);
      continue;
    }
    ++s;
  }
  if (subs.empty()) self->state.by_tenant.erase(it);
}

void arm_flush(hub_actor* self) {
  auto& st = self->state;
  auto due = st.stats.next_due();
  if (st.flush_armed || !due) return;
  st.flush_armed = true;
  auto wait = std::max<epoch_ms>(*due - st.clock->now_ms(), 1);
  self->delayed_send(self, std::chrono::milliseconds(wait), hub_flush_atom::value);
}

void on_publish(hub_actor* self, std::shared_ptr<const live_event> ev) {
  auto& st = self->state;
  if (!st.by_tenant.count(ev->tenant_id)) return;  // nobody listens: nothing to hold either
  if (ev->type != live_event_type::campaign_stats) {
    fan_out(self, ev);
    return;
  }
  if (auto now_due = st.stats.offer(*ev, st.clock->now_ms())) {
    fan_out(self, std::make_shared<const live_event>(std::move(*now_due)));
    return;
  }
  arm_flush(self);
}

void on_subscribe(hub_actor* self, hub_subscription& s) {
  auto& subs = self->state.by_tenant[s.filter.tenant_id];
  bool found = false;
  for (auto& existing : subs)
    if (existing.sink == s.sink) {
      existing.filter = s.filter;
      found = true;
    }
  if (!found) subs.push_back({s.sink, s.filter});
  if (!s.acknowledge) return;
  live_event ack;
  ack.type = live_event_type::subscribed;
  ack.ts = self->state.clock->now_ms();
  ack.tenant_id = s.filter.tenant_id;
  ack.campaign_id = s.filter.campaign_id.value_or(0);
  ack.data.push_back(
      {"campaign_id", s.filter.campaign_id ? event_value{*s.filter.campaign_id} : event_value{}});
  if (!s.sink->deliver(std::make_shared<const live_event>(std::move(ack))))
    for (auto it = subs.begin(); it != subs.end(); ++it)
      if (it->sink == s.sink) {
        subs.erase(it);
        break;
      }
}

void on_unsubscribe(hub_actor* self, const hub_subscription& s) {
  for (auto it = self->state.by_tenant.begin(); it != self->state.by_tenant.end(); ++it) {
    auto& subs = it->second;
    for (auto sub = subs.begin(); sub != subs.end(); ++sub)
      if (sub->sink == s.sink) {
        subs.erase(sub);
        if (subs.empty()) self->state.by_tenant.erase(it);
        return;
      }
  }
}

caf::behavior hub_behavior(hub_actor* self, const clock_source* clock,
                           std::chrono::milliseconds stats_interval) {
  self->state.clock = clock;
  self->state.stats_interval = stats_interval;
  self->state.stats = stats_coalescer(stats_interval.count());
  return {
      [=](hub_publish_atom, const hub_event& e) { on_publish(self, e.event); },
      [=](hub_subscribe_atom, hub_subscription& s) { on_subscribe(self, s); },
      [=](hub_unsubscribe_atom, const hub_subscription& s) { on_unsubscribe(self, s); },
      [=](hub_flush_atom) {
        auto& st = self->state;
        st.flush_armed = false;
        for (auto& ev : st.stats.take_due(st.clock->now_ms()))
          fan_out(self, std::make_shared<const live_event>(std::move(ev)));
        arm_flush(self);
      },
  };
}

}  // namespace

caf::actor spawn_event_hub(caf::actor_system& sys, const clock_source& clock,
                           std::chrono::milliseconds stats_interval) {
  return sys.spawn(hub_behavior, &clock, stats_interval);
}

void subscribe_events(const caf::actor& hub, std::shared_ptr<event_sink> sink,
                      subscription_filter filter, bool acknowledge) {
  if (!hub) return;
  caf::anon_send(hub, hub_subscribe_atom::value,
                 hub_subscription{std::move(sink), filter, acknowledge});
}

void unsubscribe_events(const caf::actor& hub, std::shared_ptr<event_sink> sink) {
  if (!hub) return;
  caf::anon_send(hub, hub_unsubscribe_atom::value, hub_subscription{std::move(sink), {}, false});
}

void publish_event(const engine_context& ctx, live_event ev) {
  if (!ctx.events) return;
  caf::anon_send(ctx.events, hub_publish_atom::value,
                 hub_event{std::make_shared<const live_event>(std::move(ev))});
}

void publish_event(const engine_context& ctx, id_t tenant_id, id_t campaign_id,
                   live_event_type type, event_fields data) {
  live_event ev;
  ev.type = type;
  ev.ts = ctx.clock->now_ms();
  ev.tenant_id = tenant_id;
  ev.campaign_id = campaign_id;
  ev.data = std::move(data);
  publish_event(ctx, std::move(ev));
}

}  // namespace dialer::actors
