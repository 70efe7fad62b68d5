#pragma once

// JSON codecs for the compliance data: config/country_rules.json (and one country's rule, the
// body of PUT /compliance/rules/{country}), config/phone_prefix_timezones.json, and calling
// windows in the API's quiet_hours shape. Pure functions over JSON text; core gets plain structs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calling_calendar.hpp"
#include "core/compliance_policy.hpp"
#include "core/compliance_rules.hpp"
#include "core/phone_zones.hpp"

namespace dialer::http {

/// A decoded value, or every problem found, each as "<json path>: <message>".
template <class T>
struct decoded {
  std::optional<T> value;
  std::vector<std::string> errors;
  /// True when the value was decoded without error.
  bool ok() const { return value.has_value() && errors.empty(); }
};

/// Format tag of config/country_rules.json.
inline constexpr std::string_view country_rules_format = "dialer.country_rules/1";
/// Format tag of config/phone_prefix_timezones.json.
inline constexpr std::string_view phone_zones_format = "dialer.phone_prefix_timezones/1";

/// Decodes a whole country_rules.json text (rules in file order). Unknown keys are errors.
decoded<std::vector<country_rule>> decode_country_rules(std::string_view json);

/// Decodes one country's rule object (as found under "countries"), for a tenant override.
decoded<country_rule> decode_country_rule(std::string_view country, std::string_view json);

/// Decodes calling windows: {"every_day"|"weekdays"|"weekend"|"monday".."sunday":
/// ["HH:MM-HH:MM", ...] | "forbidden"}; a day named nowhere is forbidden, and a single day's
/// key wins over "weekdays"/"weekend", which win over "every_day".
decoded<weekly_windows> decode_calling_windows(std::string_view json);

/// Encodes one rule as the object decode_country_rule reads.
std::string encode_country_rule(const country_rule& rule);

/// Encodes rules as a whole country_rules.json document.
std::string encode_country_rules(const std::vector<country_rule>& rules);

/// Encodes calling windows in the shape decode_calling_windows reads.
std::string encode_calling_windows(const weekly_windows& windows);

/// Encodes a dial decision made for `at` as GET /compliance/check serves it: {allowed,
/// country_iso, timezones, timezone_source, checks, block_reason, next_allowed_at,
/// required_disclosures, decided_for}.
std::string encode_compliance_verdict(const compliance_verdict& verdict, epoch_ms at);

/// Decodes config/phone_prefix_timezones.json into the prefix and country zone table.
decoded<phone_zone_table> decode_phone_zone_table(std::string_view json);

}  // namespace dialer::http
