#include "core/compliance_decision.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "compliance_fixtures.hpp"

namespace dialer {
namespace {

using namespace dialer::testing;

const std::vector<const char*> us_zones = {"America/Adak",
                                           "America/Anchorage",
                                           "America/Boise",
                                           "America/Chicago",
                                           "America/Denver",
                                           "America/Detroit",
                                           "America/Indiana/Indianapolis",
                                           "America/Indiana/Knox",
                                           "America/Indiana/Marengo",
                                           "America/Indiana/Petersburg",
                                           "America/Indiana/Tell_City",
                                           "America/Indiana/Vevay",
                                           "America/Indiana/Vincennes",
                                           "America/Indiana/Winamac",
                                           "America/Juneau",
                                           "America/Kentucky/Louisville",
                                           "America/Kentucky/Monticello",
                                           "America/Los_Angeles",
                                           "America/Menominee",
                                           "America/Metlakatla",
                                           "America/New_York",
                                           "America/Nome",
                                           "America/North_Dakota/Beulah",
                                           "America/North_Dakota/Center",
                                           "America/North_Dakota/New_Salem",
                                           "America/Phoenix",
                                           "America/Sitka",
                                           "America/Yakutat",
                                           "Pacific/Honolulu"};

// One row of a decision table.
struct row {
  const char* name;
  std::function<country_rule()> rule;  // empty: no rule for the country
  std::vector<const char*> zones;
  std::function<void(lead_facts&, campaign_facts&)> setup;  // may be empty
  const char* now;
  bool allowed;
  block_reason reason;
  const char* next;  // nullptr: no allowed time
  std::vector<epoch_ms> attempts = {};
};

void run(const std::vector<row>& rows) {
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    std::optional<dial_rules> rules;
    if (r.rule) rules = compile_dial_rules(r.rule(), nullptr, nullptr);
    zone_set z;
    for (const char* n : r.zones) z.push_back(zones().find(n));
    lead_facts lead;
    lead.consent = consent_status::granted;
    lead.nature = lead_nature::b2c;
    lead.attempts = r.attempts;
    campaign_facts campaign;
    if (r.setup) r.setup(lead, campaign);
    const compliance_decision d =
        decide_compliance(rules ? &*rules : nullptr, z, lead, campaign, utc(r.now));
    EXPECT_EQ(d.allowed, r.allowed);
    EXPECT_EQ(to_string(d.reason), to_string(r.reason));
    if (r.next) {
      ASSERT_TRUE(d.next_allowed_at);
      EXPECT_EQ(format_iso8601(*d.next_allowed_at), r.next);
    } else {
      EXPECT_FALSE(d.next_allowed_at) << format_iso8601(d.next_allowed_at.value_or(0));
    }
  }
}

const auto none = block_reason::none;
const auto hours = block_reason::outside_calling_hours;

TEST(compliance_decision, hawaii_vs_new_york) {
  // clang-format off
  run({
      {"09:00 EST in New York", us_rule, {"America/New_York"}, {}, "2026-01-15T14:00:00Z", true,
       none, "2026-01-15T14:00:00Z"},
      {"04:00 HST in Honolulu", us_rule, {"Pacific/Honolulu"}, {}, "2026-01-15T14:00:00Z", false,
       hours, "2026-01-15T18:00:00Z"},
      {"20:30 EST / 15:30 HST", us_rule, {"Pacific/Honolulu"}, {}, "2026-01-16T01:30:00Z", true,
       none, "2026-01-16T01:30:00Z"},
      {"21:30 EST in New York", us_rule, {"America/New_York"}, {}, "2026-01-16T02:30:00Z", false,
       hours, "2026-01-16T13:00:00Z"},
  });
  // clang-format on
}

TEST(compliance_decision, france_lunch_break) {
  // clang-format off
  run({
      {"Tue 12:59 CET", fr_rule, {"Europe/Paris"}, {}, "2026-01-13T11:59:00Z", true, none,
       "2026-01-13T11:59:00Z"},
      {"Tue 13:00 CET", fr_rule, {"Europe/Paris"}, {}, "2026-01-13T12:00:00Z", false, hours,
       "2026-01-13T13:00:00Z"},
      {"Tue 13:59 CET", fr_rule, {"Europe/Paris"}, {}, "2026-01-13T12:59:00Z", false, hours,
       "2026-01-13T13:00:00Z"},
      {"Tue 14:00 CET", fr_rule, {"Europe/Paris"}, {}, "2026-01-13T13:00:00Z", true, none,
       "2026-01-13T13:00:00Z"},
      {"Tue 13:30 CEST (summer)", fr_rule, {"Europe/Paris"}, {}, "2026-06-16T11:30:00Z", false,
       hours, "2026-06-16T12:00:00Z"},
  });
  // clang-format on
}

TEST(compliance_decision, italy_sunday_and_holiday) {
  // clang-format off
  run({
      {"Sun 11:00 CET", it_rule, {"Europe/Rome"}, {}, "2026-01-18T10:00:00Z", false, hours,
       "2026-01-19T08:00:00Z"},
      {"Sat 18:59 CET", it_rule, {"Europe/Rome"}, {}, "2026-01-17T17:59:00Z", true, none,
       "2026-01-17T17:59:00Z"},
      {"Sat 19:00 CET: Saturday closes at 19:00", it_rule, {"Europe/Rome"}, {},
       "2026-01-17T18:00:00Z", false, hours, "2026-01-19T08:00:00Z"},
      {"Easter Monday", it_rule, {"Europe/Rome"}, {}, "2026-04-06T08:00:00Z", false,
       block_reason::public_holiday, "2026-04-07T07:00:00Z"},
      {"Easter Saturday evening: Sunday and Easter Monday skipped", it_rule, {"Europe/Rome"}, {},
       "2026-04-04T17:00:00Z", false, hours, "2026-04-07T07:00:00Z"},
  });
  // clang-format on
}

TEST(compliance_decision, french_holidays) {
  // clang-format off
  run({
      {"Bastille Day", fr_rule, {"Europe/Paris"}, {}, "2026-07-14T09:00:00Z", false,
       block_reason::public_holiday, "2026-07-15T08:00:00Z"},
      {"Easter Monday", fr_rule, {"Europe/Paris"}, {}, "2026-04-06T08:00:00Z", false,
       block_reason::public_holiday, "2026-04-07T08:00:00Z"},
      {"Christmas Eve is a working day", fr_rule, {"Europe/Paris"}, {}, "2026-12-24T10:00:00Z",
       true, none, "2026-12-24T10:00:00Z"},
  });
  // clang-format on
}

TEST(compliance_decision, ambiguous_us_number_fails_closed) {
  const std::vector<const char*> dakota = {"America/Denver", "America/North_Dakota/Center"};
  // clang-format off
  run({
      {"07:30 MST / 08:30 CST", us_rule, dakota, {}, "2026-01-15T14:30:00Z", false, hours,
       "2026-01-15T15:00:00Z"},
      {"19:30 MST / 20:30 CST", us_rule, dakota, {}, "2026-01-16T02:30:00Z", true, none,
       "2026-01-16T02:30:00Z"},
      {"20:00 MST / 21:00 CST", us_rule, dakota, {}, "2026-01-16T03:00:00Z", false, hours,
       "2026-01-16T15:00:00Z"},
      {"the same instant is fine in Denver alone", us_rule, {"America/Denver"}, {},
       "2026-01-16T03:00:00Z", true, none, "2026-01-16T03:00:00Z"},
      {"unknown area code: 13:00 EST is 08:00 HST", us_rule, us_zones, {},
       "2026-01-15T18:00:00Z", true, none, "2026-01-15T18:00:00Z"},
      {"unknown area code: 12:59 EST is 07:59 HST", us_rule, us_zones, {},
       "2026-01-15T17:59:00Z", false, hours, "2026-01-15T18:00:00Z"},
      {"unknown area code: 21:00 EST", us_rule, us_zones, {}, "2026-01-16T02:00:00Z", false,
       hours, "2026-01-16T18:00:00Z"},
      {"no zone at all", us_rule, {}, {}, "2026-01-15T18:00:00Z", false,
       block_reason::unknown_time_zone, nullptr},
  });
  // clang-format on
}

epoch_ms at(const char* iso) {
  return utc(iso);
}

TEST(compliance_decision, four_calls_in_thirty_days) {
  const std::vector<epoch_ms> four = {at("2026-01-02T10:00:00Z"), at("2026-01-05T10:00:00Z"),
                                      at("2026-01-08T10:00:00Z"), at("2026-01-12T10:00:00Z")};
  const std::vector<epoch_ms> three(four.begin() + 1, four.end());
  const std::vector<epoch_ms> old_ones = {at("2025-12-01T10:00:00Z"), at("2025-12-02T10:00:00Z"),
                                          at("2025-12-03T10:00:00Z"), at("2026-01-12T10:00:00Z")};
  const char* tue = "2026-01-13T10:00:00Z";  // 11:00 CET
  auto b2b = [](lead_facts& l, campaign_facts&) { l.nature = lead_nature::b2b; };
  auto unknown = [](lead_facts& l, campaign_facts&) { l.nature = lead_nature::unknown; };
  // clang-format off
  run({
      // Free once 2 January leaves the period: 1 February 10:00 UTC, a Sunday -> Monday 10:00.
      {"fifth call refused", fr_rule, {"Europe/Paris"}, {}, tue, false, block_reason::attempt_cap,
       "2026-02-02T09:00:00Z", four},
      {"fourth call allowed", fr_rule, {"Europe/Paris"}, {}, tue, true, none, tue, three},
      {"calls older than 30 days do not count", fr_rule, {"Europe/Paris"}, {}, tue, true, none,
       tue, old_ones},
      {"exactly 30 days later the first call has left", fr_rule, {"Europe/Paris"}, {},
       "2026-02-04T10:00:00Z", true, none, "2026-02-04T10:00:00Z",
       {at("2026-01-05T10:00:00Z"), at("2026-01-06T10:00:00Z"), at("2026-01-07T10:00:00Z"),
        at("2026-01-08T10:00:00Z")}},
      {"one minute earlier it has not", fr_rule, {"Europe/Paris"}, {}, "2026-02-04T09:59:00Z",
       false, block_reason::attempt_cap, "2026-02-04T10:00:00Z",
       {at("2026-01-05T10:00:00Z"), at("2026-01-06T10:00:00Z"), at("2026-01-07T10:00:00Z"),
        at("2026-01-08T10:00:00Z")}},
      {"businesses are not capped", fr_rule, {"Europe/Paris"}, b2b, tue, true, none, tue, four},
      {"unknown nature is capped (fail closed)", fr_rule, {"Europe/Paris"}, unknown, tue, false,
       block_reason::attempt_cap, "2026-02-02T09:00:00Z", four},
      {"no cap in Italy", it_rule, {"Europe/Rome"}, {}, tue, true, none, tue, four},
  });
  // clang-format on
}

TEST(compliance_decision, cool_off_after_a_refusal) {
  auto refused_jan_5 = [](lead_facts& l, campaign_facts&) {
    l.last_refusal_at = at("2026-01-05T10:00:00Z");
  };
  auto refused_b2b = [](lead_facts& l, campaign_facts&) {
    l.last_refusal_at = at("2026-01-05T10:00:00Z");
    l.nature = lead_nature::b2b;
  };
  // clang-format off
  run({
      {"eight days after", fr_rule, {"Europe/Paris"}, refused_jan_5, "2026-01-13T10:00:00Z",
       false, block_reason::refusal_cooloff, "2026-03-06T10:00:00Z"},
      {"sixty days after", fr_rule, {"Europe/Paris"}, refused_jan_5, "2026-03-06T10:00:00Z",
       true, none, "2026-03-06T10:00:00Z"},
      {"a minute short of sixty days", fr_rule, {"Europe/Paris"}, refused_jan_5,
       "2026-03-06T09:59:00Z", false, block_reason::refusal_cooloff, "2026-03-06T10:00:00Z"},
      {"businesses have no cool-off in France", fr_rule, {"Europe/Paris"}, refused_b2b,
       "2026-01-13T10:00:00Z", true, none, "2026-01-13T10:00:00Z"},
  });
  // clang-format on
}

TEST(compliance_decision, dnc_consent_and_campaign_dates) {
  auto dnc = [](lead_facts& l, campaign_facts&) { l.on_tenant_dnc = true; };
  auto dnc_ignored = [](lead_facts& l, campaign_facts& c) {
    l.on_tenant_dnc = true;
    c.exclude_dnc = false;
  };
  auto no_consent = [](lead_facts& l, campaign_facts&) { l.consent = consent_status::unknown; };
  auto denied = [](lead_facts& l, campaign_facts&) { l.consent = consent_status::denied; };
  auto unknown_nature = [](lead_facts& l, campaign_facts&) {
    l.consent = consent_status::unknown;
    l.nature = lead_nature::unknown;
  };
  auto b2b_no_consent = [](lead_facts& l, campaign_facts&) {
    l.consent = consent_status::unknown;
    l.nature = lead_nature::b2b;
  };
  auto not_started = [](lead_facts&, campaign_facts& c) {
    c.starts_at = at("2026-01-20T00:00:00Z");
  };
  auto ended = [](lead_facts&, campaign_facts& c) { c.ends_at = at("2026-01-13T00:00:00Z"); };
  auto ends_tonight = [](lead_facts&, campaign_facts& c) {
    c.ends_at = at("2026-01-13T22:00:00Z");
  };
  const char* tue = "2026-01-13T10:00:00Z";
  // clang-format off
  run({
      {"on the tenant's DNC list", fr_rule, {"Europe/Paris"}, dnc, tue, false, block_reason::dnc,
       nullptr},
      {"DNC not excluded by the campaign", fr_rule, {"Europe/Paris"}, dnc_ignored, tue, true,
       none, tue},
      {"US needs consent (opt-in)", us_rule, {"America/New_York"}, no_consent,
       "2026-01-13T15:00:00Z", false, block_reason::consent_missing, nullptr},
      {"France opt-out before 11 August 2026", fr_rule, {"Europe/Paris"}, no_consent,
       "2026-08-10T08:00:00Z", true, none, "2026-08-10T08:00:00Z"},
      {"France opt-in from 11 August 2026", fr_rule, {"Europe/Paris"}, no_consent,
       "2026-08-11T08:00:00Z", false, block_reason::consent_missing, nullptr},
      {"the evening before: no allowed time is left before opt-in", fr_rule, {"Europe/Paris"},
       no_consent, "2026-08-10T19:00:00Z", false, hours, nullptr},
      {"opt-out blocks a denial", fr_rule, {"Europe/Paris"}, denied, tue, false,
       block_reason::consent_denied, nullptr},
      {"unknown nature takes the consumer's opt-in", de_rule, {"Europe/Berlin"}, unknown_nature,
       tue, false, block_reason::consent_missing, nullptr},
      {"businesses are opt-out in Germany", de_rule, {"Europe/Berlin"}, b2b_no_consent, tue, true,
       none, tue},
      {"campaign not started", fr_rule, {"Europe/Paris"}, not_started, tue, false,
       block_reason::campaign_not_started, "2026-01-20T09:00:00Z"},
      {"campaign ended", fr_rule, {"Europe/Paris"}, ended, tue, false,
       block_reason::campaign_ended, nullptr},
      {"campaign ends before the next window", fr_rule, {"Europe/Paris"}, ends_tonight,
       "2026-01-13T19:30:00Z", false, hours, nullptr},
      {"no rule for the country", nullptr, {"Europe/Paris"}, {}, tue, false,
       block_reason::no_country_rule, nullptr},
  });
  // clang-format on
}

TEST(compliance_decision, records_every_check) {
  const dial_rules rules = compile_dial_rules(fr_rule(), nullptr, nullptr);
  const zone_set paris = zones_of({"Europe/Paris"});
  lead_facts lead;
  lead.nature = lead_nature::b2c;
  campaign_facts campaign;
  campaign.records_calls = true;
  auto d = decide_compliance(&rules, paris, lead, campaign, utc("2026-01-13T10:00:00Z"));
  EXPECT_TRUE(d.allowed);
  for (std::size_t i = 0; i < compliance_check_count; ++i)
    EXPECT_EQ(d.checks[i], check_status::passed) << to_string(static_cast<compliance_check>(i));
  EXPECT_TRUE(d.required_disclosures.has(disclosure::ai_agent));
  EXPECT_TRUE(d.required_disclosures.has(disclosure::recording));

  // Several blocks: each is recorded, the first in check order is the reason.
  lead.on_tenant_dnc = true;
  lead.consent = consent_status::denied;
  d = decide_compliance(&rules, paris, lead, campaign, utc("2026-01-13T12:30:00Z"));
  EXPECT_EQ(d.reason, block_reason::dnc);
  EXPECT_EQ(d.status(compliance_check::dnc), check_status::blocked);
  EXPECT_EQ(d.status(compliance_check::consent), check_status::blocked);
  EXPECT_EQ(d.status(compliance_check::quiet_hours), check_status::blocked);
  EXPECT_EQ(d.status(compliance_check::attempts), check_status::passed);

  // Italy: AI disclosure; recording only announced where the rule asks and calls are recorded.
  const dial_rules italy = compile_dial_rules(it_rule(), nullptr, nullptr);
  lead = lead_facts{};
  d = decide_compliance(&italy, zones_of({"Europe/Rome"}), lead, campaign,
                        utc("2026-01-13T10:00:00Z"));
  EXPECT_TRUE(d.required_disclosures.has(disclosure::ai_agent));
  EXPECT_FALSE(d.required_disclosures.has(disclosure::recording));
  EXPECT_EQ(d.status(compliance_check::attempts), check_status::not_applicable);
  EXPECT_EQ(to_string(block_reason::outside_calling_hours), "outside_calling_hours");
}

TEST(compliance_decision, window_precedence) {
  const zone_set paris = zones_of({"Europe/Paris"});
  const zone_set berlin = zones_of({"Europe/Berlin"});
  lead_facts lead;
  lead.consent = consent_status::granted;
  const campaign_facts campaign;
  auto allowed = [&](const dial_rules& r, const zone_set& z, const char* now) {
    return decide_compliance(&r, z, lead, campaign, utc(now)).allowed;
  };
  const weekly_windows wide = every_day({"08:00-22:00"});
  const weekly_windows afternoons = week({"15:00-17:00"}, {}, {});

  // France is a legal floor: a wider campaign is narrowed to it.
  const dial_rules fr_wide = compile_dial_rules(fr_rule(), nullptr, &wide);
  EXPECT_EQ(fr_wide.origin, windows_origin::campaign);
  EXPECT_TRUE(fr_wide.narrowed_to_floor);
  EXPECT_FALSE(allowed(fr_wide, paris, "2026-01-17T10:00:00Z"));  // Saturday 11:00
  EXPECT_FALSE(allowed(fr_wide, paris, "2026-01-13T08:00:00Z"));  // 09:00
  EXPECT_FALSE(allowed(fr_wide, paris, "2026-01-13T12:30:00Z"));  // lunch
  EXPECT_TRUE(allowed(fr_wide, paris, "2026-01-13T10:00:00Z"));
  // A narrower campaign narrows.
  const dial_rules fr_narrow = compile_dial_rules(fr_rule(), nullptr, &afternoons);
  EXPECT_FALSE(allowed(fr_narrow, paris, "2026-01-13T13:30:00Z"));  // 14:30
  EXPECT_TRUE(allowed(fr_narrow, paris, "2026-01-13T14:30:00Z"));   // 15:30
  // The tenant's windows apply when the campaign has none; the campaign's win over them.
  const dial_rules fr_tenant = compile_dial_rules(fr_rule(), &afternoons, nullptr);
  EXPECT_EQ(fr_tenant.origin, windows_origin::tenant);
  EXPECT_FALSE(allowed(fr_tenant, paris, "2026-01-13T10:00:00Z"));
  const dial_rules fr_both = compile_dial_rules(fr_rule(), &afternoons, &wide);
  EXPECT_TRUE(allowed(fr_both, paris, "2026-01-13T10:00:00Z"));

  // Germany's windows are only a default: the campaign replaces them.
  const dial_rules de_wide = compile_dial_rules(de_rule(), nullptr, &wide);
  EXPECT_FALSE(de_wide.narrowed_to_floor);
  EXPECT_TRUE(allowed(de_wide, berlin, "2026-01-18T09:00:00Z"));  // Sunday 10:00
  const dial_rules de_default = compile_dial_rules(de_rule(), nullptr, nullptr);
  EXPECT_FALSE(allowed(de_default, berlin, "2026-01-18T09:00:00Z"));

  // The lead override lifts the calendar only where the country allows it.
  lead.quiet_hours_disabled = true;
  EXPECT_TRUE(allowed(de_default, berlin, "2026-01-18T02:00:00Z"));  // Sunday 03:00
  auto d = decide_compliance(&de_default, {}, lead, campaign, utc("2026-01-18T02:00:00Z"));
  EXPECT_TRUE(d.allowed);  // no zone needed when no calendar applies
  EXPECT_EQ(d.status(compliance_check::quiet_hours), check_status::not_applicable);
  const dial_rules fr_default = compile_dial_rules(fr_rule(), nullptr, nullptr);
  EXPECT_FALSE(allowed(fr_default, paris, "2026-01-18T02:00:00Z"));
}

}  // namespace
}  // namespace dialer
