#include "retell_sim/call_json.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "retell_sim/call_script.hpp"

namespace dialer::sim {
namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

sim_call registered_call() {
  sim_call c;
  c.call_id = "call_0123456789abcdef0123456789a";
  c.agent_id = "agent_sim";
  c.from_number = "+14155550100";
  c.to_number = "+14155550199";
  c.metadata_json = R"({"attempt_id":"42","tenant":7,"nested":{"a":[1,2]},"u":"é"})";
  return c;
}

TEST(call_json, registered_call_has_no_timestamps_and_zero_cost) {
  auto doc = parse(call_json(registered_call()));
  EXPECT_STREQ(doc["call_id"].GetString(), "call_0123456789abcdef0123456789a");
  EXPECT_STREQ(doc["call_status"].GetString(), "registered");
  EXPECT_STREQ(doc["direction"].GetString(), "outbound");
  EXPECT_STREQ(doc["call_type"].GetString(), "phone_call");
  EXPECT_STREQ(doc["agent_id"].GetString(), "agent_sim");
  EXPECT_STREQ(doc["from_number"].GetString(), "+14155550100");
  EXPECT_STREQ(doc["to_number"].GetString(), "+14155550199");
  EXPECT_FALSE(doc.HasMember("start_timestamp"));
  EXPECT_FALSE(doc.HasMember("end_timestamp"));
  EXPECT_FALSE(doc.HasMember("call_analysis"));
  EXPECT_FALSE(doc.HasMember("transcript"));
  EXPECT_EQ(doc["call_cost"]["combined_cost"].GetDouble(), 0);
  EXPECT_EQ(doc["call_cost"]["total_duration_seconds"].GetDouble(), 0);
}

TEST(call_json, metadata_is_echoed_byte_for_byte) {
  sim_call c = registered_call();
  std::string text = call_json(c);
  EXPECT_NE(text.find(R"("metadata":{"attempt_id":"42","tenant":7,"nested":{"a":[1,2]},"u":"é"})"),
            std::string::npos)
      << text;
}

TEST(call_json, no_metadata_no_member) {
  sim_call c = registered_call();
  c.metadata_json.clear();
  EXPECT_FALSE(parse(call_json(c)).HasMember("metadata"));
}

TEST(call_json, ended_call_carries_transcript_cost_and_analysis) {
  sim_call c = registered_call();
  c.call_status = "ended";
  c.disconnection_reason = "user_hangup";
  c.start_timestamp = 1'700'000'000'000;
  c.duration_ms = 60'000;
  c.end_timestamp = *c.start_timestamp + *c.duration_ms;
  c.transcript = {{"agent", "Hello there"}, {"user", "Hi"}};
  c.recording_url = "https://sim/r.wav";
  c.cost = cost_of_call(60);
  c.analysis = call_analysis{"summary", "Positive", true, false};
  auto doc = parse(call_json(c));
  EXPECT_EQ(doc["end_timestamp"].GetInt64() - doc["start_timestamp"].GetInt64(),
            doc["duration_ms"].GetInt64());
  EXPECT_STREQ(doc["transcript"].GetString(), "Agent: Hello there\nUser: Hi");
  ASSERT_EQ(doc["transcript_object"].Size(), 2u);
  EXPECT_STREQ(doc["transcript_object"][0]["role"].GetString(), "agent");
  ASSERT_EQ(doc["transcript_object"][0]["words"].Size(), 2u);
  EXPECT_STREQ(doc["transcript_object"][0]["words"][1]["word"].GetString(), "there");
  EXPECT_LT(doc["transcript_object"][0]["words"][0]["start"].GetDouble(),
            doc["transcript_object"][0]["words"][0]["end"].GetDouble());
  EXPECT_STREQ(doc["recording_url"].GetString(), "https://sim/r.wav");
  EXPECT_NEAR(doc["call_cost"]["combined_cost"].GetDouble(), 9.8, 0.01);
  EXPECT_EQ(doc["call_cost"]["product_costs"].Size(), 4u);
  const auto& a = doc["call_analysis"];
  EXPECT_STREQ(a["call_summary"].GetString(), "summary");
  EXPECT_STREQ(a["user_sentiment"].GetString(), "Positive");
  EXPECT_TRUE(a["call_successful"].GetBool());
  EXPECT_FALSE(a["in_voicemail"].GetBool());
  EXPECT_TRUE(a["custom_analysis_data"].IsObject());
}

TEST(call_json, partial_transcript_for_updates) {
  sim_call c = registered_call();
  c.transcript = {{"agent", "One"}, {"user", "Two"}, {"agent", "Three"}};
  auto doc = parse(call_json(c, 1));
  EXPECT_STREQ(doc["transcript"].GetString(), "Agent: One");
  EXPECT_EQ(doc["transcript_object"].Size(), 1u);
}

TEST(call_json, webhook_body_wraps_event_and_call) {
  auto doc = parse(webhook_body("call_started", registered_call()));
  EXPECT_STREQ(doc["event"].GetString(), "call_started");
  EXPECT_STREQ(doc["call"]["call_id"].GetString(), "call_0123456789abcdef0123456789a");
}

TEST(call_json, list_and_error_bodies) {
  sim_call a = registered_call(), b = registered_call();
  b.call_id = "call_b";
  auto list = parse(call_list_json({&a, &b}));
  ASSERT_TRUE(list.IsArray());
  EXPECT_STREQ(list[1]["call_id"].GetString(), "call_b");
  EXPECT_EQ(call_list_json({}), "[]");
  auto err = parse(error_json("bad \"thing\""));
  EXPECT_STREQ(err["status"].GetString(), "error");
  EXPECT_STREQ(err["message"].GetString(), "bad \"thing\"");
}

TEST(call_json, flatten_metadata_keeps_text_forms) {
  auto doc = parse(R"({"s":"x","n":42,"f":1.5,"b":true,"z":null,"o":{"k":1}})");
  auto fields = flatten_metadata(doc);
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0].text, "x");
  EXPECT_EQ(fields[0].type, metadata_field::kind::string);
  EXPECT_EQ(fields[1].text, "42");
  EXPECT_EQ(fields[1].type, metadata_field::kind::number);
  EXPECT_EQ(fields[2].text, "1.5");
  EXPECT_EQ(fields[3].text, "true");
  EXPECT_EQ(fields[4].type, metadata_field::kind::null);
  EXPECT_EQ(fields[5].text, R"({"k":1})");
  EXPECT_EQ(fields[5].type, metadata_field::kind::composite);
  EXPECT_TRUE(flatten_metadata(parse("[1]")).empty());
}

}  // namespace
}  // namespace dialer::sim
