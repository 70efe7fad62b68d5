#include "retell/call_codec.hpp"
#include "retell/client.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace dialer::retell {
namespace {

// A call_analyzed-era call object as Retell sends it, with fields the engine ignores.
const std::string analyzed_call = R"({
  "call_type": "phone_call",
  "from_number": "+14155550100",
  "to_number": "+14155550199",
  "direction": "outbound",
  "call_id": "call_0a1b2c3d4e5f60718293a4b5c6d",
  "agent_id": "agent_4b7e2f",
  "agent_version": 3,
  "call_status": "ended",
  "metadata": {"attempt_id": "981", "tenant_id": 7, "campaign": "spring"},
  "retell_llm_dynamic_variables": {"first_name": "Ana"},
  "opt_out_sensitive_data_storage": false,
  "start_timestamp": 1767225600123,
  "end_timestamp": 1767225663456,
  "duration_ms": 63333,
  "transcript": "Agent: Hello, this is Sam.\nUser: Hi Sam.\n",
  "transcript_object": [
    {"role": "agent", "content": "Hello, this is Sam.",
     "words": [{"word": "Hello", "start": 0.42, "end": 0.8}]},
    {"role": "user", "content": "Hi Sam.", "words": []}
  ],
  "recording_url": "https://dxc03zgurdly9.cloudfront.net/abc/recording.wav",
  "public_log_url": "https://dxc03zgurdly9.cloudfront.net/abc/public.log",
  "disconnection_reason": "user_hangup",
  "latency": {"e2e": {"p50": 812.5}},
  "call_cost": {
    "product_costs": [{"product": "elevenlabs_tts", "unit_price": 0.1166667, "cost": 7.39}],
    "total_duration_seconds": 64,
    "total_duration_unit_price": 0.1166667,
    "combined_cost": 12.6
  },
  "call_analysis": {
    "call_summary": "The user agreed to a follow-up.",
    "in_voicemail": false,
    "user_sentiment": "Positive",
    "call_successful": true,
    "custom_analysis_data": {"interest": "high"}
  }
})";

TEST(call_codec, decodes_every_field_of_an_analyzed_call) {
  auto call = decode_call(analyzed_call);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->call_id, "call_0a1b2c3d4e5f60718293a4b5c6d");
  EXPECT_EQ(call->call_status, "ended");
  EXPECT_EQ(call->disconnection_reason, "user_hangup");
  EXPECT_EQ(call->start_timestamp, 1767225600123);
  EXPECT_EQ(call->end_timestamp, 1767225663456);
  EXPECT_EQ(call->duration_ms, 63333);
  EXPECT_EQ(call->cost_cents, 13);  // 12.6 cents rounded
  EXPECT_EQ(call->transcript, "Agent: Hello, this is Sam.\nUser: Hi Sam.\n");
  EXPECT_EQ(call->recording_url, "https://dxc03zgurdly9.cloudfront.net/abc/recording.wav");
  EXPECT_EQ(call->call_summary, "The user agreed to a follow-up.");
  EXPECT_EQ(call->user_sentiment, "Positive");
  EXPECT_EQ(call->in_voicemail, false);
  EXPECT_EQ(call->call_successful, true);
  EXPECT_EQ(call->attempt_id, 981);
  EXPECT_EQ(call->tenant_id, 7);
  ASSERT_EQ(call->turns.size(), 2u);
  EXPECT_EQ(call->turns[0],
            std::make_pair(std::string("agent"), std::string("Hello, this is Sam.")));
  EXPECT_EQ(call->turns[1], std::make_pair(std::string("user"), std::string("Hi Sam.")));
}

TEST(call_codec, registered_call_has_no_timestamps) {
  auto call = decode_call(R"({"call_id":"call_1","call_status":"registered","agent_id":"a",
      "direction":"outbound","metadata":{"attempt_id":5,"tenant_id":"2"},
      "call_cost":{"combined_cost":0,"product_costs":[],"total_duration_seconds":0}})");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->call_status, "registered");
  EXPECT_FALSE(call->start_timestamp);
  EXPECT_FALSE(call->end_timestamp);
  EXPECT_FALSE(call->duration_ms);
  EXPECT_EQ(call->cost_cents, 0);
  EXPECT_FALSE(call->in_voicemail);
  EXPECT_FALSE(call->call_successful);
  EXPECT_TRUE(call->disconnection_reason.empty());
  EXPECT_TRUE(call->turns.empty());
  EXPECT_EQ(call->attempt_id, 5);
  EXPECT_EQ(call->tenant_id, 2);
}

TEST(call_codec, wrong_types_are_treated_as_absent) {
  auto call = decode_call(R"({
    "call_id": 42, "call_status": null, "disconnection_reason": ["x"],
    "start_timestamp": "1767225600123", "end_timestamp": true, "duration_ms": {},
    "transcript": 1, "recording_url": false,
    "call_cost": "12", "call_analysis": [1, 2],
    "metadata": "attempt_id=5",
    "transcript_object": {"role": "agent"}
  })");
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->call_id.empty());
  EXPECT_TRUE(call->call_status.empty());
  EXPECT_TRUE(call->disconnection_reason.empty());
  EXPECT_FALSE(call->start_timestamp);
  EXPECT_FALSE(call->end_timestamp);
  EXPECT_FALSE(call->duration_ms);
  EXPECT_FALSE(call->cost_cents);
  EXPECT_TRUE(call->transcript.empty());
  EXPECT_TRUE(call->recording_url.empty());
  EXPECT_TRUE(call->call_summary.empty());
  EXPECT_EQ(call->attempt_id, 0);
  EXPECT_EQ(call->tenant_id, 0);
  EXPECT_TRUE(call->turns.empty());
}

TEST(call_codec, nested_wrong_types_are_treated_as_absent) {
  auto call = decode_call(R"({
    "call_cost": {"combined_cost": "12.6"},
    "call_analysis": {"call_summary": 3, "user_sentiment": null, "in_voicemail": "false",
                      "call_successful": 1},
    "transcript_object": [7, {"role": 1, "content": "hi"}, {"role": "user"}, null]
  })");
  ASSERT_TRUE(call);
  EXPECT_FALSE(call->cost_cents);
  EXPECT_TRUE(call->call_summary.empty());
  EXPECT_TRUE(call->user_sentiment.empty());
  EXPECT_FALSE(call->in_voicemail);
  EXPECT_FALSE(call->call_successful);
  ASSERT_EQ(call->turns.size(), 2u);
  EXPECT_EQ(call->turns[0], std::make_pair(std::string(), std::string("hi")));
  EXPECT_EQ(call->turns[1], std::make_pair(std::string("user"), std::string()));
}

TEST(call_codec, numbers_as_floats_are_rounded) {
  auto call = decode_call(
      R"({"start_timestamp": 1767225600123.0, "duration_ms": 1500.4, "call_cost": {"combined_cost": 0.5}})");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->start_timestamp, 1767225600123);
  EXPECT_EQ(call->duration_ms, 1500);
  EXPECT_EQ(call->cost_cents, 1);
}

TEST(call_codec, out_of_range_numbers_are_absent) {
  auto call = decode_call(
      R"({"start_timestamp": 1e300, "end_timestamp": 18446744073709551615, "duration_ms": -1e19})");
  ASSERT_TRUE(call);
  EXPECT_FALSE(call->start_timestamp);
  EXPECT_FALSE(call->end_timestamp);
  EXPECT_FALSE(call->duration_ms);
}

TEST(call_codec, metadata_ids_accept_strings_and_numbers_only_when_integers) {
  struct sample {
    const char* metadata;
    id_t expected;
  };
  const sample samples[] = {
      {R"({"attempt_id": 12})", 12},
      {R"({"attempt_id": "12"})", 12},
      {R"({"attempt_id": 12.0})", 12},
      {R"({"attempt_id": "9007199254740993"})", 9007199254740993},
      {R"({"attempt_id": 12.5})", 0},
      {R"({"attempt_id": "12abc"})", 0},
      {R"({"attempt_id": " 12"})", 0},
      {R"({"attempt_id": ""})", 0},
      {R"({"attempt_id": "-3"})", 0},
      {R"({"attempt_id": -3})", 0},
      {R"({"attempt_id": "99999999999999999999"})", 0},
      {R"({"attempt_id": 18446744073709551615})", 0},
      {R"({"attempt_id": null})", 0},
      {R"({"attempt_id": true})", 0},
      {R"({"attempt_id": {"id": 1}})", 0},
      {R"({})", 0},
  };
  for (const auto& s : samples) {
    auto call = decode_call(std::string(R"({"metadata": )") + s.metadata + "}");
    ASSERT_TRUE(call) << s.metadata;
    EXPECT_EQ(call->attempt_id, s.expected) << s.metadata;
  }
}

TEST(call_codec, non_objects_and_bad_json_are_refused) {
  for (const char* bad : {"", "null", "[]", "\"call\"", "42", "{", "{\"call_id\":", "{} x"}) {
    EXPECT_FALSE(decode_call(bad)) << bad;
  }
  EXPECT_TRUE(decode_call("{}"));
}

TEST(call_codec, decodes_webhooks) {
  auto event =
      decode_webhook(std::string(R"({"event":"call_analyzed","call":)") + analyzed_call + "}");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, webhook_kind::call_analyzed);
  EXPECT_EQ(event->event_name, "call_analyzed");
  EXPECT_EQ(event->call.call_id, "call_0a1b2c3d4e5f60718293a4b5c6d");
  EXPECT_EQ(event->call.attempt_id, 981);

  auto started = decode_webhook(R"({"call":{"call_id":"c","call_status":"ongoing"},
                                    "event":"call_started","extra":1})");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->kind, webhook_kind::call_started);
  EXPECT_EQ(started->call.call_status, "ongoing");

  auto transfer = decode_webhook(R"({"event":"transfer_bridged","call":{"call_id":"c"}})");
  ASSERT_TRUE(transfer);
  EXPECT_EQ(transfer->kind, webhook_kind::other);
  EXPECT_EQ(transfer->event_name, "transfer_bridged");
}

TEST(call_codec, malformed_webhooks_are_refused) {
  for (const char* bad : {R"({"event":"call_ended"})", R"({"call":{}})", R"({"event":7,"call":{}})",
                          R"({"event":"call_ended","call":[]})",
                          R"({"event":"call_ended","call":null})", R"([])", "not json"}) {
    EXPECT_FALSE(decode_webhook(bad)) << bad;
  }
}

TEST(call_codec, encodes_create_call_with_every_field) {
  create_call_request req;
  req.from_number = "+14155550100";
  req.to_number = "+14155550199";
  req.override_agent_id = "agent_1";
  req.metadata = {{"attempt_id", "981"}, {"tenant_id", "7"}};
  req.dynamic_variables = {{"first_name", "Zoë \"Z\""}};
  rapidjson::Document doc;
  std::string body = encode_create_call(req);
  doc.Parse(body.c_str());
  ASSERT_FALSE(doc.HasParseError()) << body;
  EXPECT_STREQ(doc["from_number"].GetString(), "+14155550100");
  EXPECT_STREQ(doc["to_number"].GetString(), "+14155550199");
  EXPECT_STREQ(doc["override_agent_id"].GetString(), "agent_1");
  EXPECT_STREQ(doc["metadata"]["attempt_id"].GetString(), "981");
  EXPECT_STREQ(doc["metadata"]["tenant_id"].GetString(), "7");
  EXPECT_STREQ(doc["retell_llm_dynamic_variables"]["first_name"].GetString(), "Zoë \"Z\"");
}

TEST(call_codec, create_call_omits_empty_optionals) {
  create_call_request req;
  req.from_number = "+14155550100";
  req.to_number = "+14155550199";
  EXPECT_EQ(encode_create_call(req),
            R"({"from_number":"+14155550100","to_number":"+14155550199","metadata":{}})");
}

TEST(call_codec, encodes_list_calls_filter) {
  EXPECT_EQ(encode_list_calls_by_metadata("attempt_id", "981"),
            R"({"filter_criteria":{"metadata":{"attempt_id":"981"}},)"
            R"("sort_order":"descending","limit":1000})");
}

TEST(call_codec, decodes_call_lists) {
  auto calls = decode_call_list(R"([{"call_id":"b","metadata":{"attempt_id":"3"}}, 5,
                                   {"call_id":"a"}])");
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_EQ((*calls)[0].call_id, "b");
  EXPECT_EQ((*calls)[0].attempt_id, 3);
  EXPECT_EQ((*calls)[1].call_id, "a");
  auto empty = decode_call_list("[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto enveloped = decode_call_list(R"({"calls":[{"call_id":"x"}],"pagination_key":"x"})");
  ASSERT_TRUE(enveloped);
  EXPECT_EQ(enveloped->size(), 1u);
  EXPECT_FALSE(decode_call_list(R"({"status":"error","message":"no"})"));
  EXPECT_FALSE(decode_call_list("garbage"));
}

TEST(call_codec, decodes_concurrency_and_error_messages) {
  auto c = decode_concurrency(
      R"({"current_concurrency": 3, "concurrency_limit": 20, "base_concurrency": 20,
          "purchased_concurrency": 0, "concurrency_purchase_limit": 100})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->current, 3);
  EXPECT_EQ(c->limit, 20);
  auto odd = decode_concurrency(R"({"current_concurrency": "3"})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->current, 0);
  EXPECT_EQ(odd->limit, 0);
  EXPECT_FALSE(decode_concurrency("[]"));

  EXPECT_EQ(decode_error_message(R"({"status":"error","message":"Invalid API key"})"),
            "Invalid API key");
  EXPECT_EQ(decode_error_message(R"({"status":"error","message":5})"), "");
  EXPECT_EQ(decode_error_message("<html>502 Bad Gateway</html>"), "");
}

TEST(provider_reply, retryable_statuses) {
  for (unsigned s : {0u, 408u, 409u, 429u, 500u, 502u, 503u, 504u, 599u}) {
    provider_reply r;
    r.status = s;
    EXPECT_TRUE(r.retryable()) << s;
  }
  for (unsigned s : {200u, 201u, 400u, 401u, 402u, 404u, 422u}) {
    provider_reply r;
    r.status = s;
    EXPECT_FALSE(r.retryable()) << s;
  }
}

}  // namespace
}  // namespace dialer::retell
