#include "http/event_codec.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace dialer::http {
namespace {

TEST(event_codec, renders_the_api_shape) {
  live_event ev;
  ev.type = live_event_type::transcript_updated;
  ev.ts = 1'767'225'600'123;  // 2026-01-01T00:00:00.123Z
  ev.tenant_id = 3;
  ev.campaign_id = 5;
  ev.data = {{"call_id", std::string("call_\"x\"")},
             {"attempt_id", std::int64_t{11}},
             {"in_voicemail", false},
             {"missing", event_value{}},
             {"turns", transcript_turns{{"agent", "Hi"}, {"user", "Hello"}}},
             {"dispositions", named_counts{{"answered", 2}, {"busy", 1}}}};
  std::string text = render_live_event(ev);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_STREQ(doc["type"].GetString(), "transcript.updated");
  EXPECT_STREQ(doc["ts"].GetString(), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(doc["tenant_id"].GetInt64(), 3);
  const auto& data = doc["data"];
  EXPECT_STREQ(data["call_id"].GetString(), "call_\"x\"");
  EXPECT_EQ(data["attempt_id"].GetInt64(), 11);
  EXPECT_FALSE(data["in_voicemail"].GetBool());
  EXPECT_TRUE(data["missing"].IsNull());
  ASSERT_EQ(data["turns"].Size(), 2u);
  EXPECT_STREQ(data["turns"][1]["role"].GetString(), "user");
  EXPECT_STREQ(data["turns"][1]["content"].GetString(), "Hello");
  EXPECT_EQ(data["dispositions"]["busy"].GetInt64(), 1);
  EXPECT_EQ(doc.MemberCount(), 4u);
}

TEST(event_codec, subscribe_messages) {
  auto five = parse_subscribe_message(R"({"subscribe": {"campaign_id": 5}})");
  ASSERT_TRUE(five);
  EXPECT_EQ(five->campaign_id, 5);
  auto all = parse_subscribe_message(R"({"subscribe": {}})");
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->campaign_id);
  auto null_id = parse_subscribe_message(R"({"subscribe": {"campaign_id": null}})");
  ASSERT_TRUE(null_id);
  EXPECT_FALSE(null_id->campaign_id);
  for (const char* bad :
       {"", "nope", "[]", R"({"subscribe": 5})", R"({"subscribe": {"campaign_id": "5"}})",
        R"({"subscribe": {"campaign_id": 0}})", R"({"subscribe": {"campaign_id": -2}})",
        R"({"subscribe": {"campaign_id": 1.5}})", R"({"subscribe": {"tenant_id": 2}})",
        R"({"subscribe": {}, "extra": 1})", R"({"unsubscribe": {}})"})
    EXPECT_FALSE(parse_subscribe_message(bad)) << bad;
}

}  // namespace
}  // namespace dialer::http
