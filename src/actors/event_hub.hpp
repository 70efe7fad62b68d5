#pragma once

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "actors/event_sink.hpp"
#include "core/clock.hpp"
#include "core/live_event.hpp"

namespace dialer::actors {

struct engine_context;

/// Spawns the event hub: per-tenant fan-out of live events to subscribers, each event to the
/// subscribers whose filter matches it; campaign.stats held back to at most one per campaign per
/// `stats_interval` (the latest snapshot wins). The hub never queues for a subscriber: the
/// sink's own bounded queue decides, and a sink that refuses is forgotten.
caf::actor spawn_event_hub(caf::actor_system& sys, const clock_source& clock,
                           std::chrono::milliseconds stats_interval = std::chrono::seconds(1));

/// Adds `sink` with `filter`; an existing subscription of the same sink gets the new filter and
/// a `subscribed` event (sent after every event of the old filter, before any of the new one).
void subscribe_events(const caf::actor& hub, std::shared_ptr<event_sink> sink,
                      subscription_filter filter, bool acknowledge);

/// Forgets `sink`.
void unsubscribe_events(const caf::actor& hub, std::shared_ptr<event_sink> sink);

/// Publishes `ev` to its tenant's subscribers; anyone holding the engine context may call it,
/// from any thread (an actor, a pool job). Does nothing while the engine has no hub.
void publish_event(const engine_context& ctx, live_event ev);

/// Publishes an event of `type` about `campaign_id` (0: tenant-wide) of `tenant_id`, stamped
/// with the engine clock's now. `data` becomes the event's "data" object, member by member.
void publish_event(const engine_context& ctx, id_t tenant_id, id_t campaign_id,
                   live_event_type type, event_fields data);

}  // namespace dialer::actors
