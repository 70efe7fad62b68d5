#pragma once

// POST /calls/outbound: one call now, made by the campaign machinery as a one-lead campaign of
// kind `outbound`. What such a campaign is and how the number to call is chosen.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dialer {

/// What a campaign row stands for: a campaign proper, or one outbound call.
enum class campaign_kind { campaign, outbound };

/// Text name of a campaign kind, as stored and served.
std::string_view to_string(campaign_kind k);
/// Parses a campaign kind name; nullopt when unknown.
std::optional<campaign_kind> parse_campaign_kind(std::string_view s);

/// True when campaigns of this kind take edits and new leads through the API (an outbound
/// call keeps its one lead and its settings for good).
bool takes_changes(campaign_kind k);
/// The same for a stored kind name; an unknown name takes none (fail closed).
bool takes_changes(std::string_view kind_name);

/// Lines an outbound call's campaign may use: one.
constexpr std::int32_t outbound_max_concurrent_calls = 1;
/// Attempts an outbound call gets: one, no retry.
constexpr std::int32_t outbound_max_attempts = 1;

/// The name of the campaign of an outbound call to `phone`.
std::string outbound_call_name(std::string_view phone);

/// The number an outbound call dials, or why the request names none.
struct outbound_number {
  std::string phone;  ///< empty when refused
  std::string error;  ///< the to_number field's error; empty when a number was chosen
};

/// Chooses the number to dial from the request's `to_number` and the phone of the lead it
/// names (nullopt: no lead): the lead's phone when to_number is omitted, which must otherwise
/// equal it; to_number alone when no lead is named.
outbound_number choose_outbound_number(const std::optional<std::string>& to_number,
                                       const std::optional<std::string>& lead_phone);

}  // namespace dialer
