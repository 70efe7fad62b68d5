#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/live_event.hpp"

namespace dialer::http {

/// A live event as the WebSocket sends it:
/// {"type": "call.ended", "ts": "2026-01-15T14:30:00.123Z", "tenant_id": 1, "data": {...}}.
std::string render_live_event(const live_event& ev);

/// What a client's subscribe message asks for.
struct subscribe_request {
  std::optional<id_t> campaign_id;  ///< nullopt: every campaign of the tenant
};

/// Reads {"subscribe": {"campaign_id": 5}} ({"subscribe": {}} or a null campaign_id: the whole
/// tenant); nullopt for anything else (not JSON, other members, a non-positive id).
std::optional<subscribe_request> parse_subscribe_message(std::string_view text);

}  // namespace dialer::http
