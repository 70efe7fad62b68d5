#include "core/phone_zones.hpp"

#include <algorithm>
#include <string>

namespace dialer {
namespace {

std::size_t digit_count(std::int32_t n) {
  std::size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// Looks every name up; false when tzdata lacks one (the source is then unusable).
bool resolve_all(const std::vector<std::string>& names, time_zone_cache& cache,
                 candidate_zones& out) {
  zone_set zones;
  zones.reserve(names.size());
  for (const auto& n : names) {
    const time_zone_offsets* z = cache.find(n);
    if (!z) return false;
    zones.push_back(z);
  }
  out.zones = std::move(zones);
  out.names = names;
  return !out.zones.empty();
}

}  // namespace

std::string_view to_string(zone_source s) {
  switch (s) {
    case zone_source::lead:
      return "lead";
    case zone_source::prefix:
      return "prefix";
    case zone_source::country:
      return "country";
    case zone_source::none:
      break;
  }
  return "none";
}

void phone_zone_table::add_prefix(std::string digits, std::vector<std::string> zones) {
  longest_ = std::max(longest_, digits.size());
  prefixes_[std::move(digits)] = std::move(zones);
}

void phone_zone_table::add_country(std::string country, std::vector<std::string> zones) {
  countries_[std::move(country)] = std::move(zones);
}

const std::vector<std::string>* phone_zone_table::zones_for_number(
    std::string_view e164, std::int32_t country_code) const {
  if (!e164.empty() && e164.front() == '+') e164.remove_prefix(1);
  const std::size_t shortest = digit_count(country_code) + 1;
  std::string key;
  for (std::size_t n = std::min(longest_, e164.size()); n >= shortest; --n) {
    key.assign(e164.data(), n);
    if (auto it = prefixes_.find(key); it != prefixes_.end() && !it->second.empty())
      return &it->second;
  }
  return nullptr;
}

const std::vector<std::string>* phone_zone_table::zones_of_country(std::string_view c) const {
  auto it = countries_.find(c);
  return it == countries_.end() ? nullptr : &it->second;
}

candidate_zones resolve_candidate_zones(const phone_number_facts& number,
                                        std::string_view lead_zone, const phone_zone_table& table,
                                        time_zone_cache& cache) {
  candidate_zones out;
  if (!lead_zone.empty() && resolve_all({std::string(lead_zone)}, cache, out)) {
    out.source = zone_source::lead;
    return out;
  }
  // A number that is not geographical (most mobiles outside NANP) may ring anywhere in its
  // country, whatever its prefix.
  if (const auto* zones =
          number.geographical ? table.zones_for_number(number.e164, number.country_code) : nullptr;
      zones && resolve_all(*zones, cache, out)) {
    out.source = zone_source::prefix;
    return out;
  }
  if (const auto* zones = table.zones_of_country(number.country);
      zones && resolve_all(*zones, cache, out)) {
    out.source = zone_source::country;
    return out;
  }
  return candidate_zones{};
}

}  // namespace dialer
