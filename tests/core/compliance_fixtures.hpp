#pragma once

// Rules and helpers shared by the compliance tests. The country rules mirror
// config/country_rules.json (the codec test checks the real file separately).

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/compliance_rules.hpp"
#include "core/time_zone_offsets.hpp"

namespace dialer::testing {

/// An instant from ISO 8601 UTC text ("2026-03-08T12:00:00Z").
inline epoch_ms utc(const char* iso) {
  auto t = parse_iso8601(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(0);
}

/// Windows from text, e.g. {"10:00-13:00", "14:00-20:00"}.
inline std::vector<time_window> windows(std::initializer_list<const char*> list) {
  std::vector<time_window> out;
  for (const char* w : list) {
    auto parsed = parse_time_window(w);
    EXPECT_TRUE(parsed) << w;
    if (parsed) out.push_back(*parsed);
  }
  return out;
}

/// A week: Monday-Friday, Saturday and Sunday windows (empty: forbidden).
inline weekly_windows week(std::initializer_list<const char*> weekdays,
                           std::initializer_list<const char*> saturday,
                           std::initializer_list<const char*> sunday) {
  std::array<std::vector<time_window>, 7> days;
  for (int d = 1; d <= 5; ++d) days[static_cast<std::size_t>(d)] = windows(weekdays);
  days[6] = windows(saturday);
  days[0] = windows(sunday);
  return weekly_windows(days);
}

/// The same windows every day.
inline weekly_windows every_day(std::initializer_list<const char*> list) {
  return week(list, list, list);
}

/// A civil day from y-m-d.
inline civil_day day_of(int y, int m, int d) {
  return make_civil_day(y, m, d).value_or(0);
}

/// US: 08:00-21:00 every day, legal floor, opt-in for everyone (AI voices).
inline country_rule us_rule() {
  country_rule r;
  r.country = "US";
  r.name = "United States";
  r.calling_hours.windows = every_day({"08:00-21:00"});
  r.calling_hours.legal_floor = true;
  r.consent.b2b.regime = consent_regime::opt_in;
  r.consent.b2c.regime = consent_regime::opt_in;
  r.disclosures = disclosure_rule{true, true, {}};
  return r;
}

/// France: weekdays 10:00-13:00 and 14:00-20:00, holidays, consumers opt-in from
/// 2026-08-11 00:00 Paris, 4 calls per 30 days and 60 days after a refusal for consumers.
inline country_rule fr_rule() {
  country_rule r;
  r.country = "FR";
  r.name = "France";
  r.calling_hours.windows = week({"10:00-13:00", "14:00-20:00"}, {}, {});
  r.calling_hours.legal_floor = true;
  holiday_rule h;
  h.holidays.add(day_of(2026, 4, 6), "Lundi de Pâques");
  h.holidays.add(day_of(2026, 7, 14), "Fête nationale");
  h.holidays.add(day_of(2026, 12, 25), "Noël");
  r.holidays = h;
  r.consent.b2b.regime = consent_regime::opt_out;
  r.consent.b2c =
      dated_regime{consent_regime::opt_in, utc("2026-08-10T22:00:00Z"), consent_regime::opt_out};
  r.attempt_cap = attempt_cap_rule{4, 30 * ms_per_day, false, {}};
  r.refusal_cooloff = refusal_cooloff_rule{60 * ms_per_day, false, {}};
  r.disclosures = disclosure_rule{true, true, {}};
  return r;
}

/// Italy: weekdays 09:00-20:00, Saturday 10:00-19:00, never Sunday; opt-out.
inline country_rule it_rule() {
  country_rule r;
  r.country = "IT";
  r.name = "Italy";
  r.calling_hours.windows = week({"09:00-20:00"}, {"10:00-19:00"}, {});
  r.calling_hours.legal_floor = true;
  holiday_rule h;
  h.holidays.add(day_of(2026, 4, 6), "Lunedì dell'Angelo");
  r.holidays = h;
  r.consent.b2b.regime = consent_regime::opt_out;
  r.consent.b2c.regime = consent_regime::opt_out;
  r.disclosures = disclosure_rule{true, false, {}};
  return r;
}

/// Germany: no legal window (engine default, not a floor), lead override allowed.
inline country_rule de_rule() {
  country_rule r;
  r.country = "DE";
  r.name = "Germany";
  r.calling_hours.windows = week({"09:00-20:00"}, {"10:00-18:00"}, {});
  r.calling_hours.legal_floor = false;
  r.calling_hours.lead_override_allowed = true;
  r.consent.b2b.regime = consent_regime::opt_out;
  r.consent.b2c.regime = consent_regime::opt_in;
  return r;
}

/// One process-wide zone cache for the tests.
inline time_zone_cache& zones() {
  static time_zone_cache cache;
  return cache;
}

/// The cached zones named.
inline zone_set zones_of(std::initializer_list<const char*> names) {
  zone_set out;
  for (const char* n : names) {
    const time_zone_offsets* z = zones().find(n);
    EXPECT_NE(z, nullptr) << n;
    if (z) out.push_back(z);
  }
  return out;
}

}  // namespace dialer::testing
