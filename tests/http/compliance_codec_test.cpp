#include "http/compliance_codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/clock.hpp"
#include "core/compliance_decision.hpp"

namespace dialer::http {
namespace {

std::string read_config(const char* name) {
  std::ifstream in(std::string(DIALER_SOURCE_DIR) + "/config/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

epoch_ms utc(const char* iso) {
  return parse_iso8601(iso).value_or(0);
}

std::map<std::string, country_rule> real_rules() {
  auto decoded = decode_country_rules(read_config("country_rules.json"));
  EXPECT_TRUE(decoded.ok());
  for (const auto& e : decoded.errors) ADD_FAILURE() << e;
  std::map<std::string, country_rule> out;
  for (auto& r : decoded.value.value_or(std::vector<country_rule>{}))
    out.emplace(r.country, std::move(r));
  return out;
}

// Easter Sunday (Gregorian), by the anonymous "Meeus/Jones/Butcher" computus.
civil_day easter(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
  const int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return make_civil_day(y, month, day).value();
}

TEST(country_rules_file, has_the_seven_countries_with_sources) {
  const auto rules = real_rules();
  for (const char* c : {"US", "CA", "IT", "FR", "DE", "GB", "ES"}) {
    SCOPED_TRACE(c);
    ASSERT_EQ(rules.count(c), 1u);
    const country_rule& r = rules.at(c);
    EXPECT_FALSE(r.name.empty());
    EXPECT_FALSE(r.calling_hours.source.text.empty());
    EXPECT_FALSE(r.consent.source.text.empty());
    if (r.holidays) {
      EXPECT_FALSE(r.holidays->source.text.empty());
    }
    if (r.attempt_cap) {
      EXPECT_FALSE(r.attempt_cap->source.text.empty());
    }
    for (const auto& n : r.notes) EXPECT_FALSE(n.source.text.empty());
  }
  EXPECT_EQ(rules.size(), 7u);
}

TEST(country_rules_file, carries_the_facts_of_compliance_md) {
  const auto rules = real_rules();
  const country_rule& us = rules.at("US");
  ASSERT_TRUE(us.calling_hours.windows);
  EXPECT_EQ(*us.calling_hours.windows,
            weekly_windows::every_day(*parse_time_window("08:00-21:00")));
  EXPECT_TRUE(us.calling_hours.legal_floor);
  EXPECT_EQ(us.consent.b2c.regime, consent_regime::opt_in);

  const country_rule& fr = rules.at("FR");
  ASSERT_TRUE(fr.calling_hours.windows);
  EXPECT_EQ(fr.calling_hours.windows->windows_on(1).size(), 2u);
  EXPECT_TRUE(fr.calling_hours.windows->windows_on(0).empty());
  EXPECT_TRUE(fr.calling_hours.windows->windows_on(6).empty());
  ASSERT_TRUE(fr.attempt_cap);
  EXPECT_EQ(fr.attempt_cap->max_calls, 4);
  EXPECT_EQ(fr.attempt_cap->period_ms, 30 * ms_per_day);
  ASSERT_TRUE(fr.refusal_cooloff);
  EXPECT_EQ(fr.refusal_cooloff->duration_ms, 60 * ms_per_day);
  EXPECT_EQ(fr.consent.b2c.regime, consent_regime::opt_in);
  EXPECT_EQ(fr.consent.b2c.from, utc("2026-08-10T22:00:00Z"));  // 11 Aug 00:00 in Paris
  EXPECT_EQ(fr.consent.b2c.before, consent_regime::opt_out);

  const country_rule& it = rules.at("IT");
  EXPECT_TRUE(it.calling_hours.windows->windows_on(0).empty());  // Sunday
  EXPECT_EQ(it.calling_hours.windows->windows_on(6).size(), 1u);
  ASSERT_TRUE(it.disclosures);
  EXPECT_TRUE(it.disclosures->ai);

  EXPECT_TRUE(rules.at("CA").calling_hours.source.unconfirmed);
  EXPECT_FALSE(rules.at("DE").calling_hours.legal_floor);
  EXPECT_TRUE(rules.at("DE").calling_hours.lead_override_allowed);
  EXPECT_FALSE(rules.at("FR").calling_hours.lead_override_allowed);
}

TEST(country_rules_file, lists_2026_and_2027_holidays_with_correct_easter_dates) {
  const auto rules = real_rules();
  for (const char* c : {"FR", "IT", "ES"}) {
    SCOPED_TRACE(c);
    ASSERT_TRUE(rules.at(c).holidays);
    const holiday_list& h = rules.at(c).holidays->holidays;
    for (int y : {2026, 2027}) {
      SCOPED_TRACE(y);
      EXPECT_TRUE(h.contains(*make_civil_day(y, 1, 1)));
      EXPECT_TRUE(h.contains(*make_civil_day(y, 12, 25)));
      const civil_day e = easter(y);
      if (std::string(c) == "ES") {
        EXPECT_TRUE(h.contains(e - 2));  // Viernes Santo
      } else {
        EXPECT_TRUE(h.contains(e + 1));  // Easter Monday
      }
      if (std::string(c) == "FR") {
        EXPECT_TRUE(h.contains(e + 39));  // Ascension
        EXPECT_TRUE(h.contains(e + 50));  // Whit Monday
        EXPECT_TRUE(h.contains(*make_civil_day(y, 7, 14)));
      }
    }
    EXPECT_GE(h.days().front(), *make_civil_day(2026, 1, 1));
    EXPECT_LE(h.days().back(), *make_civil_day(2027, 12, 31));
  }
  EXPECT_EQ(format_civil_day(easter(2026)), "2026-04-05");
  EXPECT_EQ(format_civil_day(easter(2027)), "2027-03-28");
}

TEST(country_rules_file, drives_decisions) {
  const auto rules = real_rules();
  time_zone_cache cache;
  const zone_set paris = {cache.find("Europe/Paris")};
  const dial_rules fr = compile_dial_rules(rules.at("FR"), nullptr, nullptr);
  lead_facts lead;
  lead.nature = lead_nature::b2c;
  const campaign_facts campaign;
  auto d = decide_compliance(&fr, paris, lead, campaign, utc("2026-07-14T09:00:00Z"));
  EXPECT_EQ(d.reason, block_reason::public_holiday);
  EXPECT_EQ(d.next_allowed_at, utc("2026-07-15T08:00:00Z"));
  d = decide_compliance(&fr, paris, lead, campaign, utc("2026-05-25T08:00:00Z"));  // Pentecost Mon
  EXPECT_EQ(d.reason, block_reason::public_holiday);
  const dial_rules it = compile_dial_rules(rules.at("IT"), nullptr, nullptr);
  d = decide_compliance(&it, {cache.find("Europe/Rome")}, lead, campaign,
                        utc("2026-01-18T10:00:00Z"));
  EXPECT_EQ(d.reason, block_reason::outside_calling_hours);
  EXPECT_EQ(d.next_allowed_at, utc("2026-01-19T08:00:00Z"));
}

TEST(country_rules_codec, round_trips) {
  const auto first = decode_country_rules(read_config("country_rules.json"));
  ASSERT_TRUE(first.ok());
  const std::string text = encode_country_rules(*first.value);
  const auto second = decode_country_rules(text);
  ASSERT_TRUE(second.ok()) << (second.errors.empty() ? "" : second.errors.front());
  EXPECT_EQ(encode_country_rules(*second.value), text);
  ASSERT_EQ(second.value->size(), first.value->size());
  for (std::size_t i = 0; i < first.value->size(); ++i) {
    const country_rule& a = (*first.value)[i];
    const country_rule& b = (*second.value)[i];
    EXPECT_EQ(a.country, b.country);
    EXPECT_EQ(a.calling_hours.windows, b.calling_hours.windows);
    EXPECT_EQ(a.holidays.has_value(), b.holidays.has_value());
    if (a.holidays && b.holidays) {
      EXPECT_EQ(a.holidays->holidays.days(), b.holidays->holidays.days());
    }
  }
  // One rule alone (the body of PUT /compliance/rules/FR).
  const country_rule& fr = (*first.value)[3];
  ASSERT_EQ(fr.country, "FR");
  auto single = decode_country_rule("FR", encode_country_rule(fr));
  ASSERT_TRUE(single.ok()) << (single.errors.empty() ? "" : single.errors.front());
  EXPECT_EQ(encode_country_rule(*single.value), encode_country_rule(fr));
}

// A valid minimal rule to break one piece at a time.
std::string rule_with(const std::string& hours, const std::string& extra = "",
                      const std::string& consent = R"({"b2b": {"regime": "opt_out"},
      "b2c": {"regime": "opt_in"}, "source": "s"})") {
  return R"({"format": "dialer.country_rules/1", "countries": {"FR": {"name": "France",
    "calling_hours": )" +
         hours + R"(, "consent": )" + consent + extra + "}}}";
}

const std::string good_hours =
    R"({"windows": {"weekdays": ["10:00-13:00"]}, "legal_floor": true, "source": "s"})";

void expect_error(const std::string& json, const std::string& fragment) {
  auto r = decode_country_rules(json);
  EXPECT_FALSE(r.ok()) << json;
  EXPECT_FALSE(r.value);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_NE(all.find(fragment), std::string::npos) << "wanted '" << fragment << "' in:\n" << all;
}

TEST(country_rules_codec, accepts_a_minimal_rule) {
  auto r = decode_country_rules(rule_with(good_hours));
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front());
  EXPECT_FALSE((*r.value)[0].holidays);
  auto none =
      decode_country_rules(rule_with(R"({"windows": null, "legal_floor": false, "source": "s"})"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none.value)[0].calling_hours.windows);
}

TEST(country_rules_codec, rejects_malformed_files_with_clear_errors) {
  expect_error("{not json", "malformed JSON at offset");
  expect_error("[]", "(root): must be an object");
  expect_error(R"({"format": "v2", "countries": {}})",
               "format: must be \"dialer.country_rules/1\"");
  expect_error(R"({"format": "dialer.country_rules/1"})", "countries: is required");
  expect_error(R"({"format": "dialer.country_rules/1", "countries": {}})",
               "countries: must name at least one country");
  expect_error(R"({"format": "dialer.country_rules/1", "countries": {}, "extra": 1})",
               "extra: unknown key");
  expect_error(rule_with(R"({"windows": {"weekdays": ["10:00-25:00"]}, "legal_floor": true,
      "source": "s"})"),
               "countries.FR.calling_hours.windows.weekdays[0]: must be a window");
  expect_error(rule_with(R"({"windows": {"weekdays": "never"}, "legal_floor": true,
      "source": "s"})"),
               "countries.FR.calling_hours.windows.weekdays: must be a list");
  expect_error(rule_with(R"({"windows": {"wednesdays": []}, "legal_floor": true, "source": "s"})"),
               "countries.FR.calling_hours.windows.wednesdays: unknown key");
  expect_error(rule_with(R"({"windows": null, "legal_floor": true})"),
               "countries.FR.calling_hours.source: is required");
  expect_error(rule_with(R"({"windows": null, "source": "s"})"),
               "countries.FR.calling_hours.legal_floor: is required");
  expect_error(rule_with(R"({"windows": null, "legal_floor": "yes", "source": "s"})"),
               "legal_floor: must be true or false");
  expect_error(rule_with(good_hours, R"(, "holidays": {"dates": [{"date": "2026-02-30",
      "name": "x"}], "source": "s"})"),
               "countries.FR.holidays.dates[0].date: must be a date");
  expect_error(rule_with(good_hours, R"(, "holidays": {"dates": [{"date": "2026-07-14",
      "name": "a"}, {"date": "2026-07-14", "name": "b"}], "source": "s"})"),
               "dates[1].date: is listed twice");
  expect_error(rule_with(good_hours, R"(, "attempt_cap": {"max_calls": 0, "period_days": 30,
      "source": "s"})"),
               "attempt_cap.max_calls: must be an integer from 1");
  expect_error(rule_with(good_hours, "",
                         R"({"b2b": {"regime": "opt_maybe"}, "b2c": {"regime": "opt_in"},
      "source": "s"})"),
               "consent.b2b.regime: must be \"opt_in\" or \"opt_out\"");
  expect_error(rule_with(good_hours, "",
                         R"({"b2b": {"regime": "opt_out"}, "b2c": {"regime": "opt_in",
      "from": "2026-08-11"}, "source": "s"})"),
               "consent.b2c: \"from\" and \"before\" go together");
  expect_error(rule_with(good_hours, "",
                         R"({"b2b": {"regime": "opt_out"}, "b2c": {"regime": "opt_in",
      "from": "August", "before": "opt_out"}, "source": "s"})"),
               "consent.b2c.from: must be an ISO 8601");
  expect_error(rule_with(good_hours, "", R"({"b2b": {"regime": "opt_out"}, "source": "s"})"),
               "consent.b2c: is required");
  expect_error(R"({"format": "dialer.country_rules/1", "countries": {"fr": {}}})",
               "countries.fr: country code must be ISO 3166-1 alpha-2");
  auto single = decode_country_rule("FR", R"({"name": "France"})");
  EXPECT_FALSE(single.ok());
  EXPECT_GE(single.errors.size(), 2u);  // calling_hours and consent both missing
}

TEST(calling_windows_codec, reads_the_api_quiet_hours_shape) {
  auto w = decode_calling_windows(
      R"({"weekdays": ["09:00-13:00", "14:00-20:00"], "saturday": ["10:00-12:00"],
          "sunday": "forbidden", "friday": ["09:00-12:00"]})");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.value->windows_on(1).size(), 2u);
  EXPECT_EQ(w.value->windows_on(5).size(), 1u);  // the day's own key wins
  EXPECT_TRUE(w.value->windows_on(0).empty());
  auto every = decode_calling_windows(R"({"every_day": ["08:00-21:00"], "weekend": "forbidden"})");
  ASSERT_TRUE(every.ok());
  EXPECT_TRUE(every.value->windows_on(6).empty());
  EXPECT_FALSE(every.value->windows_on(3).empty());
  EXPECT_EQ(encode_calling_windows(*every.value),
            R"({"weekdays":["08:00-21:00"],"weekend":"forbidden"})");
  auto back = decode_calling_windows(encode_calling_windows(*w.value));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back.value, *w.value);
  EXPECT_FALSE(decode_calling_windows(R"({"sunday": ["20:00-08:00"]})").ok());
  EXPECT_FALSE(decode_calling_windows("[]").ok());
}

TEST(phone_zones_file, decodes_and_names_only_zones_tzdata_knows) {
  auto t = decode_phone_zone_table(read_config("phone_prefix_timezones.json"));
  ASSERT_TRUE(t.ok()) << (t.errors.empty() ? "" : t.errors.front());
  time_zone_cache cache;
  std::size_t nanp_area_codes = 0;
  for (const auto& [prefix, zones] : t.value->prefixes()) {
    if (prefix.size() == 4 && prefix[0] == '1') ++nanp_area_codes;
    for (const auto& z : zones) EXPECT_NE(cache.find(z), nullptr) << prefix << " " << z;
  }
  EXPECT_GT(nanp_area_codes, 300u);
  for (const char* c : {"US", "CA", "IT", "FR", "DE", "GB", "ES"}) {
    const auto* zones = t.value->zones_of_country(c);
    ASSERT_NE(zones, nullptr) << c;
    for (const auto& z : *zones) EXPECT_NE(cache.find(z), nullptr) << c << " " << z;
  }
  EXPECT_EQ(t.value->zones_of_country("US")->size(), 29u);
}

std::vector<std::string> zones_of(const phone_zone_table& table, const char* e164,
                                  time_zone_cache& cache) {
  auto n = parse_phone_number(e164);
  EXPECT_TRUE(n.number) << e164;
  auto z = resolve_candidate_zones(*n.number, "", table, cache);
  auto names = z.names;
  std::sort(names.begin(), names.end());
  return names;
}

TEST(phone_zones_file, resolves_real_numbers) {
  auto t = decode_phone_zone_table(read_config("phone_prefix_timezones.json"));
  ASSERT_TRUE(t.ok());
  time_zone_cache cache;
  using v = std::vector<std::string>;
  EXPECT_EQ(zones_of(*t.value, "+12125550123", cache), v{"America/New_York"});
  EXPECT_EQ(zones_of(*t.value, "+18089561234", cache), v{"Pacific/Honolulu"});
  EXPECT_EQ(zones_of(*t.value, "+16502530000", cache), v{"America/Los_Angeles"});
  EXPECT_EQ(zones_of(*t.value, "+14169671111", cache), v{"America/Toronto"});
  EXPECT_EQ(zones_of(*t.value, "+16055551234", cache),
            (v{"America/Denver", "America/North_Dakota/Center"}));
  EXPECT_EQ(zones_of(*t.value, "+33142685300", cache), v{"Europe/Paris"});
  EXPECT_EQ(zones_of(*t.value, "+34928123456", cache), v{"Atlantic/Canary"});
  EXPECT_EQ(zones_of(*t.value, "+34612345678", cache).size(), 3u);  // mobile: all of Spain
}

TEST(phone_zones_codec, rejects_malformed_tables) {
  auto bad_prefix = decode_phone_zone_table(
      R"({"format": "dialer.phone_prefix_timezones/1", "countries": {},
          "prefixes": {"12a": ["America/New_York"]}})");
  EXPECT_FALSE(bad_prefix.ok());
  ASSERT_FALSE(bad_prefix.errors.empty());
  EXPECT_NE(bad_prefix.errors[0].find("prefixes.12a"), std::string::npos);
  auto empty_zones = decode_phone_zone_table(
      R"({"format": "dialer.phone_prefix_timezones/1", "countries": {"US": []},
          "prefixes": {}})");
  EXPECT_FALSE(empty_zones.ok());
  EXPECT_FALSE(decode_phone_zone_table(R"({"format": "x", "countries": {}, "prefixes": {}})").ok());
  EXPECT_FALSE(decode_phone_zone_table("").ok());
}

}  // namespace
}  // namespace dialer::http
