// Property test: for thousands of random (rule set, lead, instant) triples, the decision never
// allows an instant that a brute-force, minute-by-minute evaluation of every candidate zone
// forbids, and next_allowed_at is the earliest allowed minute.
//
// The brute force below is written independently of the implementation: it reads the raw
// window lists and holiday dates, converts each instant with date/tz directly (not through
// time_zone_offsets or the minute bitmaps) and counts attempts by scanning. Every event time
// it generates is minute-aligned, so the allowed set is constant within each UTC minute and
// "the earliest allowed instant" is `now` itself or a minute boundary.

#include <gtest/gtest.h>

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compliance_fixtures.hpp"
#include "core/compliance_decision.hpp"

namespace dialer {
namespace {

using namespace dialer::testing;
using raw_week = std::array<std::vector<std::pair<int, int>>, 7>;  // [start, end) minutes
using ymd = std::array<int, 3>;

// One random case, in plain data the brute force reads directly.
struct scenario {
  bool has_rule = true;
  std::optional<raw_week> country_windows;
  bool legal_floor = false;
  bool override_allowed = false;
  std::set<ymd> holidays;
  dated_regime b2b, b2c;
  std::int32_t cap_max = 0;
  epoch_ms cap_period = 0;
  bool cap_b2b = true;
  epoch_ms cooloff = 0;
  bool cooloff_b2b = true;
  std::optional<raw_week> tenant_windows, campaign_windows;
  std::vector<std::string> zone_names;
  lead_nature nature = lead_nature::unknown;
  consent_status consent = consent_status::unknown;
  bool quiet_hours_disabled = false;
  bool on_dnc = false;
  std::vector<epoch_ms> attempts;
  std::optional<epoch_ms> last_refusal;
  campaign_facts campaign;
  epoch_ms now = 0;
};

const char* const zone_pool[] = {"America/New_York", "America/Chicago",     "America/Denver",
                                 "America/Phoenix",  "America/Los_Angeles", "America/Anchorage",
                                 "Pacific/Honolulu", "America/St_Johns",    "Europe/Paris",
                                 "Europe/London",    "Europe/Madrid",       "Atlantic/Canary",
                                 "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kathmandu",
                                 "America/Santiago", "America/Havana",      "Asia/Tokyo"};

const char* const us_zone_set[] = {"America/Adak",
                                   "America/Anchorage",
                                   "America/Boise",
                                   "America/Chicago",
                                   "America/Denver",
                                   "America/Detroit",
                                   "America/Indiana/Indianapolis",
                                   "America/Indiana/Knox",
                                   "America/Kentucky/Louisville",
                                   "America/Los_Angeles",
                                   "America/Menominee",
                                   "America/Metlakatla",
                                   "America/New_York",
                                   "America/Nome",
                                   "America/North_Dakota/Center",
                                   "America/Phoenix",
                                   "America/Sitka",
                                   "America/Yakutat",
                                   "Pacific/Honolulu"};

const epoch_ms horizon = 9 * ms_per_day;

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::int64_t uniform64(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  epoch_ms minute_near(epoch_ms t, epoch_ms before, epoch_ms after) {
    return floor_div(uniform64(t - before, t + after), ms_per_minute) * ms_per_minute;
  }

  // Window edges favour the small hours where DST changes happen.
  int edge() {
    static const int favoured[] = {0, 60, 90, 120, 150, 180, 240, 480, 600, 780, 840, 1200, 1260};
    if (chance(0.4)) return favoured[uniform(0, 12)];
    return chance(0.5) ? uniform(0, 95) * 15 : uniform(0, 1439);
  }

  raw_week week() {
    raw_week w;
    for (auto& day : w) {
      if (chance(0.2)) continue;  // forbidden
      const int n = uniform(1, 3);
      for (int i = 0; i < n; ++i) {
        int a = edge(), b = edge();
        if (chance(0.15)) b = 1440;
        if (a == b) continue;
        if (a > b) std::swap(a, b);
        day.emplace_back(a, b);
      }
    }
    return w;
  }

  dated_regime regime(epoch_ms now) {
    dated_regime r;
    r.regime = chance(0.5) ? consent_regime::opt_in : consent_regime::opt_out;
    if (chance(0.3)) {
      r.from = minute_near(now, 2 * ms_per_day, 6 * ms_per_day);
      r.before = chance(0.5) ? consent_regime::opt_in : consent_regime::opt_out;
    }
    return r;
  }

  epoch_ms pick_now(const std::vector<std::string>& zone_names) {
    const epoch_ms start = utc("2026-01-01T00:00:00Z");
    const epoch_ms end = utc("2027-12-20T00:00:00Z");
    if (!zone_names.empty() && chance(0.45)) {
      // Near a DST change of one of the candidate zones.
      const auto* tz = date::locate_zone(zone_names[static_cast<std::size_t>(
          uniform(0, static_cast<int>(zone_names.size()) - 1))]);
      const epoch_ms probe = uniform64(start, end);
      const auto info = tz->get_info(date::sys_seconds{std::chrono::seconds{probe / 1000}});
      const epoch_ms change =
          std::chrono::duration_cast<std::chrono::milliseconds>(info.end.time_since_epoch())
              .count();
      if (change > start && change < end)
        return uniform64(change - 2 * ms_per_day, change + ms_per_day);
    }
    return uniform64(start, end);  // any millisecond
  }

  scenario next() {
    scenario s;
    s.has_rule = !chance(0.02);
    if (chance(0.85)) s.country_windows = week();
    s.legal_floor = chance(0.6);
    s.override_allowed = chance(0.4);
    if (chance(0.3)) s.tenant_windows = week();
    if (chance(0.4)) s.campaign_windows = week();

    const int pick = uniform(0, 99);
    if (pick < 3) {
      // no zone known
    } else if (pick < 8) {
      for (const char* z : us_zone_set) s.zone_names.emplace_back(z);
    } else {
      const int n = uniform(1, 3);
      for (int i = 0; i < n; ++i) s.zone_names.emplace_back(zone_pool[uniform(0, 17)]);
    }
    s.now = pick_now(s.zone_names);

    for (int i = uniform(0, 3); i > 0; --i) {
      // Holidays near `now` so that they matter.
      const epoch_ms t = s.now + uniform64(-ms_per_day, 8 * ms_per_day);
      const date::year_month_day d{date::floor<date::days>(
          date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{t}})};
      s.holidays.insert({static_cast<int>(d.year()), static_cast<int>(unsigned(d.month())),
                         static_cast<int>(unsigned(d.day()))});
    }
    s.b2b = regime(s.now);
    s.b2c = regime(s.now);
    if (chance(0.5)) {
      s.cap_max = uniform(1, 4);
      s.cap_period = chance(0.5) ? uniform(1, 6) * ms_per_day : uniform(1, 200) * ms_per_hour;
      s.cap_b2b = chance(0.5);
      const epoch_ms this_minute = floor_div(s.now, ms_per_minute) * ms_per_minute;
      for (int i = uniform(0, 6); i > 0; --i)
        s.attempts.push_back(this_minute - uniform(0, 10 * 24 * 60) * ms_per_minute);
      std::sort(s.attempts.begin(), s.attempts.end());
    }
    if (chance(0.4)) {
      s.cooloff = uniform(1, 4 * 24 * 60) * ms_per_minute;
      s.cooloff_b2b = chance(0.5);
      if (chance(0.7)) s.last_refusal = minute_near(s.now, 5 * ms_per_day, 0);
    }
    s.nature = static_cast<lead_nature>(uniform(0, 2));
    const int c = uniform(0, 9);  // mostly granted, so that the calendar decides often
    s.consent = c < 7 ? consent_status::granted
                      : (c < 9 ? consent_status::unknown : consent_status::denied);
    s.quiet_hours_disabled = chance(0.2);
    s.on_dnc = chance(0.04);
    s.campaign.exclude_dnc = chance(0.9);
    if (chance(0.2)) s.campaign.starts_at = minute_near(s.now, 2 * ms_per_day, 4 * ms_per_day);
    if (chance(0.2)) s.campaign.ends_at = minute_near(s.now, ms_per_day, 9 * ms_per_day);
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

// ---- The brute force: plain loops over the raw data, date/tz for every conversion. ----

bool in_week(const raw_week& w, int weekday, int minute) {
  for (auto [a, b] : w[static_cast<std::size_t>(weekday)])
    if (a <= minute && minute < b) return true;
  return false;
}

bool consent_ok(consent_regime r, consent_status s) {
  if (r == consent_regime::opt_in) return s == consent_status::granted;
  return s != consent_status::denied;
}

consent_regime regime_at(const dated_regime& r, epoch_ms t) {
  if (r.from && t < *r.from) return r.before;
  return r.regime;
}

bool brute_allowed(const scenario& s, epoch_ms t) {
  if (!s.has_rule) return false;
  if (s.campaign.starts_at && t < *s.campaign.starts_at) return false;
  if (s.campaign.ends_at && t >= *s.campaign.ends_at) return false;
  if (s.campaign.exclude_dnc && s.on_dnc) return false;
  if (s.nature != lead_nature::b2c && !consent_ok(regime_at(s.b2b, t), s.consent)) return false;
  if (s.nature != lead_nature::b2b && !consent_ok(regime_at(s.b2c, t), s.consent)) return false;
  const bool consumer = s.nature != lead_nature::b2b;
  if (s.cooloff > 0 && (consumer || s.cooloff_b2b) && s.last_refusal &&
      t < *s.last_refusal + s.cooloff)
    return false;
  if (s.cap_max > 0 && (consumer || s.cap_b2b)) {
    int count = 0;
    for (epoch_ms a : s.attempts)
      if (a > t - s.cap_period) ++count;
    if (count >= s.cap_max) return false;
  }
  if (s.quiet_hours_disabled && s.override_allowed) return true;

  const raw_week* chosen = nullptr;
  bool chosen_is_country = false;
  if (s.campaign_windows) {
    chosen = &*s.campaign_windows;
  } else if (s.tenant_windows) {
    chosen = &*s.tenant_windows;
  } else if (s.country_windows) {
    chosen = &*s.country_windows;
    chosen_is_country = true;
  }
  const raw_week* floor =
      (!chosen_is_country && s.legal_floor && s.country_windows) ? &*s.country_windows : nullptr;
  if (!chosen && !floor && s.holidays.empty()) return true;
  if (s.zone_names.empty()) return false;
  for (const auto& name : s.zone_names) {
    const auto local = date::locate_zone(name)->to_local(
        date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{t}});
    const auto day = date::floor<date::days>(local);
    const date::year_month_day d{day};
    const ymd key = {static_cast<int>(d.year()), static_cast<int>(unsigned(d.month())),
                     static_cast<int>(unsigned(d.day()))};
    if (s.holidays.count(key) != 0) return false;
    const int weekday = static_cast<int>(date::weekday{day}.c_encoding());
    const int minute =
        static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
    if (chosen && !in_week(*chosen, weekday, minute)) return false;
    if (floor && !in_week(*floor, weekday, minute)) return false;
  }
  return true;
}

std::optional<epoch_ms> brute_next(const scenario& s) {
  if (brute_allowed(s, s.now)) return s.now;
  for (epoch_ms m = floor_div(s.now, ms_per_minute) * ms_per_minute + ms_per_minute;
       m < s.now + horizon; m += ms_per_minute)
    if (brute_allowed(s, m)) return m;
  return std::nullopt;
}

// ---- Building the implementation's inputs from the same scenario. ----

weekly_windows to_weekly(const raw_week& w) {
  std::array<std::vector<time_window>, 7> days;
  for (std::size_t d = 0; d < 7; ++d)
    for (auto [a, b] : w[d])
      days[d].push_back({static_cast<std::int16_t>(a), static_cast<std::int16_t>(b)});
  return weekly_windows(days);
}

country_rule to_rule(const scenario& s) {
  country_rule r;
  r.country = "ZZ";
  if (s.country_windows) r.calling_hours.windows = to_weekly(*s.country_windows);
  r.calling_hours.legal_floor = s.legal_floor;
  r.calling_hours.lead_override_allowed = s.override_allowed;
  if (!s.holidays.empty()) {
    holiday_rule h;
    for (const auto& d : s.holidays) h.holidays.add(day_of(d[0], d[1], d[2]), "holiday");
    r.holidays = h;
  }
  r.consent.b2b = s.b2b;
  r.consent.b2c = s.b2c;
  if (s.cap_max > 0) r.attempt_cap = attempt_cap_rule{s.cap_max, s.cap_period, s.cap_b2b, {}};
  if (s.cooloff > 0) r.refusal_cooloff = refusal_cooloff_rule{s.cooloff, s.cooloff_b2b, {}};
  return r;
}

std::string describe(const scenario& s) {
  std::string out = "now=" + format_iso8601(s.now) + " (" + std::to_string(s.now) + ") zones=";
  for (const auto& z : s.zone_names) out += z + ",";
  out += " nature=" + std::string(to_string(s.nature)) +
         " consent=" + std::string(to_string(s.consent));
  return out;
}

TEST(compliance_property, decision_matches_minute_by_minute_brute_force) {
  generator gen(20260314);
  const int cases = 5000;
  int allowed = 0, later = 0, never = 0, failures = 0;
  for (int i = 0; i < cases && failures < 5; ++i) {
    const scenario s = gen.next();
    const std::optional<weekly_windows> tenant =
        s.tenant_windows ? std::optional(to_weekly(*s.tenant_windows)) : std::nullopt;
    const std::optional<weekly_windows> campaign =
        s.campaign_windows ? std::optional(to_weekly(*s.campaign_windows)) : std::nullopt;
    std::optional<dial_rules> rules;
    if (s.has_rule)
      rules = compile_dial_rules(to_rule(s), tenant ? &*tenant : nullptr,
                                 campaign ? &*campaign : nullptr);
    zone_set zones;
    for (const auto& n : s.zone_names) zones.push_back(testing::zones().find(n));
    lead_facts lead;
    lead.nature = s.nature;
    lead.consent = s.consent;
    lead.quiet_hours_disabled = s.quiet_hours_disabled;
    lead.on_tenant_dnc = s.on_dnc;
    lead.attempts = s.attempts;
    lead.last_refusal_at = s.last_refusal;

    const compliance_decision d =
        decide_compliance(rules ? &*rules : nullptr, zones, lead, s.campaign, s.now, horizon);
    const bool brute_now = brute_allowed(s, s.now);
    const std::optional<epoch_ms> expected = brute_next(s);
    // The safety property first: never allow what the brute force forbids.
    if (d.allowed && !brute_now) {
      ADD_FAILURE() << "case " << i << " allowed a forbidden instant: " << describe(s);
      ++failures;
      continue;
    }
    if (d.allowed != brute_now || d.next_allowed_at != expected) {
      ADD_FAILURE() << "case " << i << ": " << describe(s) << " allowed=" << d.allowed
                    << " brute=" << brute_now << " reason=" << to_string(d.reason)
                    << " next=" << (d.next_allowed_at ? format_iso8601(*d.next_allowed_at) : "none")
                    << " expected=" << (expected ? format_iso8601(*expected) : "none");
      ++failures;
      continue;
    }
    if (d.allowed)
      ++allowed;
    else if (d.next_allowed_at)
      ++later;
    else
      ++never;
  }
  // The cases must exercise every outcome, not just one.
  EXPECT_GT(allowed, cases / 20);
  EXPECT_GT(later, cases / 5);
  EXPECT_GT(never, cases / 50);
  std::printf("[ property ] %d allowed, %d blocked until later, %d blocked for the horizon\n",
              allowed, later, never);
}

}  // namespace
}  // namespace dialer
