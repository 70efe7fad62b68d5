#include "http/compliance_data.hpp"

#include <fstream>
#include <sstream>

#include "http/compliance_codec.hpp"

namespace dialer::http {
namespace {

/// The file's text, or nullopt when it cannot be read.
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

rule_decoders json_rule_decoders() {
  rule_decoders d;
  d.country_rule_of = [](std::string_view country, std::string_view json) {
    auto decoded = decode_country_rule(country, json);
    return decoded.ok() ? decoded.value : std::nullopt;
  };
  d.windows_of = [](std::string_view json) {
    auto decoded = decode_calling_windows(json);
    return decoded.ok() ? decoded.value : std::nullopt;
  };
  return d;
}

std::unique_ptr<compliance_policy> load_compliance_policy(const std::string& country_rules_file,
                                                          const std::string& phone_zones_file,
                                                          std::vector<std::string>& errors) {
  std::string rules_text(builtin_country_rules_json());
  std::string zones_text(builtin_phone_prefix_timezones_json());
  if (!country_rules_file.empty()) {
    auto text = read_text(country_rules_file);
    if (!text) errors.push_back("cannot read country rules file " + country_rules_file);
    else rules_text = std::move(*text);
  }
  if (!phone_zones_file.empty()) {
    auto text = read_text(phone_zones_file);
    if (!text) errors.push_back("cannot read phone zones file " + phone_zones_file);
    else zones_text = std::move(*text);
  }
  if (!errors.empty()) return nullptr;
  auto rules = decode_country_rules(rules_text);
  for (auto& e : rules.errors) errors.push_back("country rules: " + e);
  auto zones = decode_phone_zone_table(zones_text);
  for (auto& e : zones.errors) errors.push_back("phone zones: " + e);
  if (!rules.ok() || !zones.ok()) return nullptr;
  return std::make_unique<compliance_policy>(std::move(*rules.value), std::move(*zones.value),
                                             json_rule_decoders());
}

}  // namespace dialer::http
