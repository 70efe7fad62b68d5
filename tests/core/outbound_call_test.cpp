#include "core/outbound_call.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(outbound_call, kinds_have_stable_names) {
  EXPECT_EQ(to_string(campaign_kind::campaign), "campaign");
  EXPECT_EQ(to_string(campaign_kind::outbound), "outbound");
  EXPECT_EQ(parse_campaign_kind("outbound"), campaign_kind::outbound);
  EXPECT_EQ(parse_campaign_kind("campaign"), campaign_kind::campaign);
  EXPECT_FALSE(parse_campaign_kind("Outbound"));
  EXPECT_FALSE(parse_campaign_kind(""));
}

TEST(outbound_call, only_campaigns_proper_take_changes) {
  EXPECT_TRUE(takes_changes(campaign_kind::campaign));
  EXPECT_FALSE(takes_changes(campaign_kind::outbound));
  EXPECT_TRUE(takes_changes("campaign"));
  EXPECT_FALSE(takes_changes("outbound"));
  EXPECT_FALSE(takes_changes("")) << "an unknown kind takes no change";
}

TEST(outbound_call, one_line_and_one_attempt) {
  EXPECT_EQ(outbound_max_concurrent_calls, 1);
  EXPECT_EQ(outbound_max_attempts, 1);
  EXPECT_EQ(outbound_call_name("+14155550123"), "Outbound call to +14155550123");
}

TEST(outbound_call, the_number_comes_from_to_number_or_the_lead) {
  auto alone = choose_outbound_number(std::string("+14155550123"), std::nullopt);
  EXPECT_EQ(alone.phone, "+14155550123");
  EXPECT_TRUE(alone.error.empty());

  auto from_lead = choose_outbound_number(std::nullopt, std::string("+14155550199"));
  EXPECT_EQ(from_lead.phone, "+14155550199");
  EXPECT_TRUE(from_lead.error.empty());

  auto same = choose_outbound_number(std::string("+14155550199"), std::string("+14155550199"));
  EXPECT_EQ(same.phone, "+14155550199");
  EXPECT_TRUE(same.error.empty());
}

TEST(outbound_call, a_different_number_or_none_at_all_is_refused) {
  auto other = choose_outbound_number(std::string("+14155550123"), std::string("+14155550199"));
  EXPECT_TRUE(other.phone.empty());
  EXPECT_FALSE(other.error.empty());

  auto none = choose_outbound_number(std::nullopt, std::nullopt);
  EXPECT_TRUE(none.phone.empty());
  EXPECT_FALSE(none.error.empty());
}

}  // namespace
}  // namespace dialer
