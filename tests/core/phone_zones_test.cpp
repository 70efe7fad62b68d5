#include "core/phone_zones.hpp"

#include <gtest/gtest.h>

#include "compliance_fixtures.hpp"

namespace dialer {
namespace {

using namespace dialer::testing;

TEST(phone_number, parses_valid_numbers_and_derives_the_country) {
  auto fr = parse_phone_number("+33612345678");
  ASSERT_TRUE(fr.number) << to_string(fr.error);
  EXPECT_EQ(fr.number->country, "FR");
  EXPECT_EQ(fr.number->country_code, 33);
  EXPECT_TRUE(fr.number->mobile);
  EXPECT_FALSE(fr.number->geographical);
  auto ny = parse_phone_number("+12125550123");
  ASSERT_TRUE(ny.number);
  EXPECT_EQ(ny.number->country, "US");
  EXPECT_TRUE(ny.number->geographical);
  auto toronto = parse_phone_number("+14169671111");
  ASSERT_TRUE(toronto.number);
  EXPECT_EQ(toronto.number->country, "CA");
  auto paris_fixed = parse_phone_number("+33142685300");
  ASSERT_TRUE(paris_fixed.number);
  EXPECT_TRUE(paris_fixed.number->geographical);
}

TEST(phone_number, refuses_what_is_not_a_callable_number) {
  EXPECT_EQ(parse_phone_number("0612345678").error, phone_number_error::not_e164);
  EXPECT_EQ(parse_phone_number("+33 6 12 34 56 78").error, phone_number_error::not_e164);
  EXPECT_EQ(parse_phone_number("+336123456").error, phone_number_error::invalid_number);
  EXPECT_EQ(parse_phone_number("+8005551234").error, phone_number_error::invalid_number);
  EXPECT_FALSE(parse_phone_number("").number);
}

// Mirrors a few rows of config/phone_prefix_timezones.json.
phone_zone_table sample_table() {
  phone_zone_table t;
  t.add_prefix("1", {"America/New_York", "Pacific/Honolulu"});  // a bare country code
  t.add_prefix("1212", {"America/New_York"});
  t.add_prefix("1808", {"Pacific/Honolulu"});
  t.add_prefix("1605", {"America/Denver", "America/North_Dakota/Center"});
  t.add_prefix("1650", {"Atlantis/Lost_City"});  // not in tzdata
  t.add_prefix("346", {"Europe/Madrid"});
  t.add_prefix("34928", {"Atlantic/Canary"});
  t.add_country("US", {"America/New_York", "America/Chicago", "America/Denver",
                       "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"});
  t.add_country("ES", {"Africa/Ceuta", "Atlantic/Canary", "Europe/Madrid"});
  return t;
}

phone_number_facts number(const char* e164) {
  auto p = parse_phone_number(e164);
  EXPECT_TRUE(p.number) << e164;
  return p.number.value_or(phone_number_facts{});
}

TEST(candidate_zones, lead_zone_first_then_prefix_then_country) {
  const phone_zone_table table = sample_table();
  auto explicit_zone =
      resolve_candidate_zones(number("+12125550123"), "America/Chicago", table, zones());
  EXPECT_EQ(explicit_zone.source, zone_source::lead);
  EXPECT_EQ(explicit_zone.names, std::vector<std::string>{"America/Chicago"});

  auto by_prefix = resolve_candidate_zones(number("+18089561234"), "", table, zones());
  EXPECT_EQ(by_prefix.source, zone_source::prefix);
  EXPECT_EQ(by_prefix.names, std::vector<std::string>{"Pacific/Honolulu"});
  EXPECT_FALSE(by_prefix.ambiguous());

  // The lead's zone is unknown to tzdata: it is skipped, not trusted.
  auto bad_lead_zone = resolve_candidate_zones(number("+12125550123"), "Mars/Base", table, zones());
  EXPECT_EQ(bad_lead_zone.source, zone_source::prefix);
}

TEST(candidate_zones, ambiguous_and_unknown_prefixes_widen_the_set) {
  const phone_zone_table table = sample_table();
  auto dakota = resolve_candidate_zones(number("+16055551234"), "", table, zones());
  EXPECT_EQ(dakota.source, zone_source::prefix);
  EXPECT_TRUE(dakota.ambiguous());
  EXPECT_EQ(dakota.zones.size(), 2u);

  // No prefix entry beyond the bare country code: every zone of the country.
  auto unknown_area = resolve_candidate_zones(number("+12707891234"), "", table, zones());
  EXPECT_EQ(unknown_area.source, zone_source::country);
  EXPECT_EQ(unknown_area.zones.size(), 6u);

  // A prefix naming a zone tzdata lacks is skipped for the country's zones.
  auto broken = resolve_candidate_zones(number("+16502530000"), "", table, zones());
  EXPECT_EQ(broken.source, zone_source::country);
}

TEST(candidate_zones, mobiles_that_do_not_follow_geography_get_every_zone_of_the_country) {
  const phone_zone_table table = sample_table();
  // A Spanish mobile may ring in the Canaries even though 346 is listed as Madrid.
  auto mobile = resolve_candidate_zones(number("+34612345678"), "", table, zones());
  EXPECT_EQ(mobile.source, zone_source::country);
  EXPECT_EQ(mobile.zones.size(), 3u);
  auto canary_fixed = resolve_candidate_zones(number("+34928123456"), "", table, zones());
  EXPECT_EQ(canary_fixed.source, zone_source::prefix);
  EXPECT_EQ(canary_fixed.names, std::vector<std::string>{"Atlantic/Canary"});
}

TEST(candidate_zones, nothing_known_gives_an_empty_set) {
  const phone_zone_table empty;
  auto none = resolve_candidate_zones(number("+33612345678"), "", empty, zones());
  EXPECT_EQ(none.source, zone_source::none);
  EXPECT_TRUE(none.zones.empty());
}

}  // namespace
}  // namespace dialer
