#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "retell_sim/sim_call.hpp"

namespace dialer::sim {

/// Show the whole transcript (the default of call_json's `transcript_lines`).
inline constexpr std::size_t whole_transcript = std::numeric_limits<std::size_t>::max();

/// The Retell call object for `call`, as compact JSON. `transcript_lines` limits the
/// transcript to its first turns (for transcript_updated while the call is ongoing).
std::string call_json(const sim_call& call, std::size_t transcript_lines = whole_transcript);

/// A webhook body: {"event": <event>, "call": <call object>}.
std::string webhook_body(std::string_view event, const sim_call& call,
                         std::size_t transcript_lines = whole_transcript);

/// A JSON array of call objects.
std::string call_list_json(const std::vector<const sim_call*>& calls);

/// The /v3/list-calls page: {"items": [...], "has_more": b, "pagination_key": last call id}
/// (pagination_key only when more calls follow).
std::string call_page_json(const std::vector<const sim_call*>& calls, bool has_more);

/// Retell's error body: {"status":"error","message":<message>}.
std::string error_json(std::string_view message);

/// Compact JSON text of any RapidJSON value (key order and values preserved).
std::string json_text(const rapidjson::Value& value);

/// The top-level entries of a metadata object, strings as themselves and other values as
/// their JSON text; empty for a non-object.
std::vector<metadata_field> flatten_metadata(const rapidjson::Value& metadata);

}  // namespace dialer::sim
