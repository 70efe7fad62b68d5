#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/phone_number.hpp"
#include "core/time_zone_offsets.hpp"

namespace dialer {

/// Where a number's candidate time zones came from.
enum class zone_source { none, lead, prefix, country };

/// Text name of a zone source.
std::string_view to_string(zone_source s);

/// Prefix-to-zone data (from libphonenumber's table, config/phone_prefix_timezones.json) and
/// the zones of each country (from tzdata's zone.tab), as plain values.
class phone_zone_table {
 public:
  /// Maps a prefix (country code and leading national digits, no "+") to its zones.
  void add_prefix(std::string digits, std::vector<std::string> zones);
  /// Sets the zones of a country (ISO alpha-2).
  void add_country(std::string country, std::vector<std::string> zones);

  /// Zones of the longest prefix of `e164` that is longer than its country code; nullptr when
  /// no such prefix is known (a bare country code says nothing more than the country).
  const std::vector<std::string>* zones_for_number(std::string_view e164,
                                                   std::int32_t country_code) const;
  /// Every zone of a country; nullptr when unknown.
  const std::vector<std::string>* zones_of_country(std::string_view country) const;

  /// All prefixes (for serialization and tests).
  const std::unordered_map<std::string, std::vector<std::string>>& prefixes() const {
    return prefixes_;
  }
  /// All countries' zones.
  const std::map<std::string, std::vector<std::string>, std::less<>>& countries() const {
    return countries_;
  }

 private:
  std::unordered_map<std::string, std::vector<std::string>> prefixes_;
  std::map<std::string, std::vector<std::string>, std::less<>> countries_;
  std::size_t longest_ = 0;
};

/// The zones a number may ring in; a time is allowed only if allowed in all of them.
struct candidate_zones {
  /// Cached zone data, for the decision.
  zone_set zones;
  /// Their IANA names, for the record and the API (`timezones`).
  std::vector<std::string> names;
  zone_source source = zone_source::none;
  /// True when more than one zone is possible.
  bool ambiguous() const { return zones.size() > 1; }
};

/// Candidate zones of `number`: the lead's explicit zone when tzdata knows it, else the prefix
/// table (geographical numbers only), else every zone of the country; a source naming a zone tzdata
/// lacks is skipped. Empty (source none) when nothing is known: the decision then fails closed.
candidate_zones resolve_candidate_zones(const phone_number_facts& number,
                                        std::string_view lead_zone, const phone_zone_table& table,
                                        time_zone_cache& cache);

}  // namespace dialer
