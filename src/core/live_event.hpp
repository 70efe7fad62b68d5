#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/call_progress.hpp"
#include "core/domain.hpp"

namespace dialer {

/// The kinds of live events a tenant's WebSocket clients receive (API.md, "Live events").
enum class live_event_type {
  call_started,
  call_ended,
  call_analyzed,
  transcript_updated,
  campaign_status,
  campaign_stats,
  budget_warn,
  budget_exhausted,
  subscribed,  ///< the acknowledgement of a subscribe message, to that client only
};

/// The wire name of an event type: "call.started", "campaign.stats", ...
std::string_view to_string(live_event_type t);

/// Transcript turns as (role, content) pairs, in order.
using transcript_turns = std::vector<std::pair<std::string, std::string>>;

/// Counts by name (dispositions, reasons); rendered as a JSON object.
using named_counts = std::vector<std::pair<std::string, std::int64_t>>;

/// One value of an event's data: null, a flag, a count, an amount, a text, transcript turns or
/// counts by name.
using event_value = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                                 transcript_turns, named_counts>;

/// One named member of an event's data.
struct event_field {
  std::string name;
  event_value value;
};

/// An event's data, in the order it is written; rendered as a JSON object at the edge.
using event_fields = std::vector<event_field>;

/// One live event: who it belongs to, when it happened and what it says. Built by publishers
/// (actors, handlers) as plain data; JSON only when a WebSocket session sends it.
struct live_event {
  live_event_type type = live_event_type::campaign_status;
  epoch_ms ts = 0;
  id_t tenant_id = 0;
  id_t campaign_id = 0;  ///< 0: tenant-wide (reaches every subscriber of the tenant)
  event_fields data;
};

/// What one subscriber asked for: its tenant (from its credentials) and optionally one campaign.
struct subscription_filter {
  id_t tenant_id = 0;
  std::optional<id_t> campaign_id;  ///< nullopt: every campaign of the tenant

  /// True when `ev` belongs to this subscriber: same tenant, and either no campaign filter,
  /// a tenant-wide event, or the filtered campaign.
  bool matches(const live_event& ev) const;
};

/// Which call events an attempt has already published, so each goes out once and in order.
struct published_call_events {
  bool started = false;
  bool ended = false;
  bool analyzed = false;
  std::size_t turns = 0;  ///< transcript turns already published
};

/// The call events to publish after applying `ev`, which moved the attempt to `after`, in the
/// order they must go out: call.started (only for a call that connected) before any
/// transcript.updated, before call.ended, before call.analyzed, whatever order the provider's
/// webhooks came in. Marks them in `published`.
std::vector<live_event_type> next_call_events(published_call_events& published,
                                              const call_progress& after, const webhook_event& ev);

/// The data of a call event: provider call id, attempt, campaign, lead, status, disposition,
/// and what the provider said that the event type is about (end reason and cost for
/// call.ended, analysis for call.analyzed, turns for transcript.updated).
event_fields call_event_fields(live_event_type type, const dial_attempt& attempt,
                               const std::string& provider_call_id, const call_progress& progress,
                               const provider_call& call);

/// The data of campaign.status: {campaign_id, status}.
event_fields campaign_status_fields(id_t campaign_id, campaign_status status);

}  // namespace dialer
