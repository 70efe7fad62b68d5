#pragma once

// Loads the compliance policy of dialerd: the country rules and phone zone table (built in, or
// from files named in the configuration) with the JSON decoders of stored rule documents.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/compliance_policy.hpp"

namespace dialer::http {

/// The text of config/country_rules.json as built into the binary.
std::string_view builtin_country_rules_json();
/// The text of config/phone_prefix_timezones.json as built into the binary.
std::string_view builtin_phone_prefix_timezones_json();

/// The decoders of tenant overrides and campaign windows (the codec of compliance_codec.hpp).
rule_decoders json_rule_decoders();

/// The policy from `country_rules_file` and `phone_zones_file` (empty: built-in data); null
/// with every problem in `errors` when a file cannot be read or decoded.
std::unique_ptr<compliance_policy> load_compliance_policy(const std::string& country_rules_file,
                                                          const std::string& phone_zones_file,
                                                          std::vector<std::string>& errors);

}  // namespace dialer::http
