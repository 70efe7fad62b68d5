#include "retell_sim/sim_provider.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <algorithm>

#include "retell/signature.hpp"
#include "retell_sim/api_router.hpp"
#include "webhook_sink.hpp"

namespace dialer::sim {
namespace {

using testing::webhook_sink;

constexpr const char* key = "sim_key";
constexpr const char* bearer = "Bearer sim_key";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string create_body(const std::string& attempt = "1") {
  return R"({"from_number":"+14155550100","to_number":"+14155550199","metadata":{"attempt_id":")" +
         attempt + R"(","lead":{"id":7,"tags":["a"]}}})";
}

/// A provider on a private io_context, with an optional webhook sink.
struct fixture {
  explicit fixture(sim_settings settings = {}, bool with_sink = false)
      : hooks(io, fast_policy(), key, [this] { return now; }) {
    if (with_sink) {
      sink = std::make_unique<webhook_sink>(io);
      settings.webhook_url = sink->url();
      EXPECT_EQ(hooks.set_target(settings.webhook_url), "");
    }
    sim_options options;
    options.api_key = key;
    options.settings = settings;
    provider = std::make_unique<sim_provider>(io, options, hooks, [this] { return now; });
  }
  static webhook_policy fast_policy() {
    webhook_policy p;
    p.backoff = std::chrono::milliseconds(1);
    return p;
  }
  api_reply call(std::string_view method, std::string_view target, std::string_view body = "",
                 std::string_view auth = bearer) {
    return route_request(*provider, {method, target, auth, body});
  }
  std::vector<std::string> events_for(const std::string& call_id) {
    std::vector<std::string> events;
    for (const auto& r : sink->requests) {
      auto doc = parse(r.body);
      if (doc["call"]["call_id"].GetString() == call_id) events.push_back(doc["event"].GetString());
    }
    return events;
  }
  bool run_until(const std::function<bool()>& done) { return webhook_sink::run_until(io, done); }

  std::int64_t now = 1'750'000'000'000;
  boost::asio::io_context io;
  webhook_dispatcher hooks;
  std::unique_ptr<webhook_sink> sink;
  std::unique_ptr<sim_provider> provider;
};

sim_settings fast(const char* mix = "answered=1") {
  sim_settings s;
  s.time_scale = 100000;
  s.mix = *parse_outcome_mix(mix).mix;
  s.analysis_seconds = 1;
  return s;
}

TEST(sim_provider, create_answers_201_with_the_registered_call) {
  fixture f;
  api_reply r = f.call("POST", "/v2/create-phone-call", create_body("42"));
  ASSERT_EQ(r.status, 201u) << r.body;
  auto doc = parse(r.body);
  std::string id = doc["call_id"].GetString();
  EXPECT_EQ(id.size(), 5u + 27u);
  EXPECT_EQ(id.rfind("call_", 0), 0u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 5), std::string::npos);
  EXPECT_STREQ(doc["call_status"].GetString(), "registered");
  EXPECT_STREQ(doc["agent_id"].GetString(), "agent_sim");
  EXPECT_STREQ(doc["metadata"]["attempt_id"].GetString(), "42");
  EXPECT_EQ(doc["metadata"]["lead"]["id"].GetInt(), 7);
  EXPECT_EQ(f.provider->current_concurrency(), 1);

  api_reply got = f.call("GET", "/v2/get-call/" + id);
  EXPECT_EQ(got.status, 200u);
  EXPECT_EQ(got.body, r.body);
  EXPECT_EQ(f.call("GET", "/v2/get-call/call_unknown").status, 422u);
}

TEST(sim_provider, override_agent_and_dynamic_variables_are_echoed) {
  fixture f;
  api_reply r = f.call("POST", "/v2/create-phone-call",
                       R"({"from_number":"+14155550100","to_number":"+14155550199",
                           "override_agent_id":"agent_x",
                           "retell_llm_dynamic_variables":{"name":"Ann"}})");
  ASSERT_EQ(r.status, 201u) << r.body;
  auto doc = parse(r.body);
  EXPECT_STREQ(doc["agent_id"].GetString(), "agent_x");
  EXPECT_STREQ(doc["retell_llm_dynamic_variables"]["name"].GetString(), "Ann");
  EXPECT_FALSE(doc.HasMember("metadata"));
}

TEST(sim_provider, bad_creates_are_400_and_recorded) {
  fixture f;
  for (const char* bad :
       {"nope", "[]", R"({"to_number":"+14155550199"})",
        R"({"from_number":"+14155550100","to_number":"4155550199"})",
        R"({"from_number":14155550100,"to_number":"+14155550199"})",
        R"({"from_number":"+14155550100","to_number":"+14155550199","metadata":[1]})",
        R"({"from_number":"+14155550100","to_number":"+14155550199","override_agent_id":5})",
        R"({"from_number":"+14155550100","to_number":"+14155550199",
            "retell_llm_dynamic_variables":{"n":1}})"}) {
    api_reply r = f.call("POST", "/v2/create-phone-call", bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_STREQ(parse(r.body)["status"].GetString(), "error");
  }
  auto record = parse(f.call("GET", "/sim/record").body);
  ASSERT_EQ(record["creates"].Size(), 8u);
  EXPECT_FALSE(record["creates"][3]["accepted"].GetBool());
  EXPECT_EQ(record["creates"][3]["status"].GetInt(), 400);
  EXPECT_STREQ(record["creates"][3]["to_number"].GetString(), "4155550199");
  EXPECT_TRUE(record["creates"][4]["from_number"].IsNull());
  EXPECT_EQ(f.provider->current_concurrency(), 0);
}

TEST(sim_provider, api_needs_the_bearer_key_but_sim_endpoints_do_not) {
  fixture f;
  EXPECT_EQ(f.call("POST", "/v2/create-phone-call", create_body(), "").status, 401u);
  EXPECT_EQ(f.call("POST", "/v2/create-phone-call", create_body(), "Bearer wrong").status, 401u);
  EXPECT_EQ(f.call("GET", "/get-concurrency", "", "sim_key").status, 401u);
  EXPECT_EQ(f.call("POST", "/v2/list-calls", "{}", "").status, 401u);
  EXPECT_EQ(f.call("GET", "/sim/record", "", "").status, 200u);
  EXPECT_EQ(f.call("GET", "/nowhere").status, 404u);
  EXPECT_EQ(f.call("GET", "/v2/create-phone-call").status, 405u);
  EXPECT_EQ(f.call("GET", "/sim/reset").status, 405u);
  auto record = parse(f.call("GET", "/sim/record").body);
  EXPECT_EQ(record["creates"].Size(), 0u);  // refused before reaching the provider
}

TEST(sim_provider, list_calls_filters_by_metadata) {
  fixture f;
  for (const char* attempt : {"1", "2", "3", "2"})
    ASSERT_EQ(f.call("POST", "/v2/create-phone-call", create_body(attempt)).status, 201u);
  api_reply r = f.call("POST", "/v2/list-calls",
                       R"({"filter_criteria":{"metadata":{"attempt_id":"2"}},"limit":10})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto doc = parse(r.body);
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 2u);
  EXPECT_STREQ(doc[0]["metadata"]["attempt_id"].GetString(), "2");
  EXPECT_EQ(f.call("POST", "/v2/list-calls", R"({"limit":5000})").status, 400u);
  auto paged = parse(f.call("POST", "/v3/list-calls", R"({"limit":3})").body);
  EXPECT_EQ(paged["items"].Size(), 3u);
  EXPECT_TRUE(paged["has_more"].GetBool());
  std::string next = paged["pagination_key"].GetString();
  auto rest = parse(
      f.call("POST", "/v3/list-calls", R"({"limit":3,"pagination_key":")" + next + "\"}").body);
  EXPECT_EQ(rest["items"].Size(), 1u);
  EXPECT_FALSE(rest["has_more"].GetBool());
  EXPECT_FALSE(rest.HasMember("pagination_key"));
  EXPECT_EQ(parse(f.call("POST", "/v2/list-calls", "").body).Size(), 4u);
}

TEST(sim_provider, concurrency_endpoint_and_error_mode_over_the_limit) {
  sim_settings s;
  s.concurrency_limit = 2;
  fixture f(s);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f.call("POST", "/v2/create-phone-call", create_body()).status, 201u);
  auto conc = parse(f.call("GET", "/get-concurrency").body);
  EXPECT_EQ(conc["current_concurrency"].GetInt(), 2);
  EXPECT_EQ(conc["concurrency_limit"].GetInt(), 2);
  auto record = parse(f.call("GET", "/sim/record").body);
  EXPECT_EQ(record["peak_concurrency"].GetInt(), 2);
  EXPECT_TRUE(record["creates"][2]["accepted"].GetBool());
  EXPECT_STREQ(record["creates"][2]["reason"].GetString(), "concurrency_limit_reached");
  // The third call ends in error at once.
  std::string third = record["creates"][2]["call_id"].GetString();
  ASSERT_TRUE(f.run_until([&] {
    return parse(f.call("GET", "/v2/get-call/" + third).body)["call_status"].GetString() ==
           std::string("error");
  }));
  auto call = parse(f.call("GET", "/v2/get-call/" + third).body);
  EXPECT_STREQ(call["disconnection_reason"].GetString(), "concurrency_limit_reached");
}

TEST(sim_provider, rate_limit_mode_over_the_limit) {
  sim_settings s;
  s.concurrency_limit = 1;
  s.over_limit = concurrency_mode::rate_limit;
  s.retry_after_seconds = 7;
  fixture f(s);
  EXPECT_EQ(f.call("POST", "/v2/create-phone-call", create_body()).status, 201u);
  api_reply r = f.call("POST", "/v2/create-phone-call", create_body("9"));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.retry_after_seconds, 7);
  auto record = parse(f.call("GET", "/sim/record").body);
  EXPECT_FALSE(record["creates"][1]["accepted"].GetBool());
  EXPECT_EQ(record["creates"][1]["status"].GetInt(), 429);
  EXPECT_STREQ(record["creates"][1]["metadata"]["attempt_id"].GetString(), "9");
  EXPECT_TRUE(record["creates"][1]["call_id"].IsNull());
}

TEST(sim_provider, fault_ratios_and_slow_answers) {
  sim_settings s;
  s.fail_500_ratio = 1;
  fixture f(s);
  EXPECT_EQ(f.call("POST", "/v2/create-phone-call", create_body()).status, 500u);
  ASSERT_EQ(f.call("POST", "/sim/config", R"({"fail_500_ratio":0,"fail_429_ratio":1})").status,
            204u);
  api_reply r = f.call("POST", "/v2/create-phone-call", create_body());
  EXPECT_EQ(r.status, 429u);
  EXPECT_TRUE(r.retry_after_seconds.has_value());
  ASSERT_EQ(f.call("POST", "/sim/config", R"({"fail_429_ratio":0,"slow_ms":250})").status, 204u);
  r = f.call("POST", "/v2/create-phone-call", create_body());
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.delay, std::chrono::milliseconds(250));
  EXPECT_EQ(f.call("POST", "/sim/config", R"({"slow_ms":-1})").status, 400u);
  EXPECT_EQ(f.call("POST", "/sim/config", R"({"what":1})").status, 400u);
  auto config = parse(f.call("GET", "/sim/config").body);
  EXPECT_EQ(config["slow_ms"].GetInt(), 250);
}

TEST(sim_provider, answered_call_plays_its_whole_lifecycle) {
  sim_settings s = fast();
  s.transcript_updated = true;
  fixture f(s, true);
  auto created = parse(f.call("POST", "/v2/create-phone-call", create_body("5")).body);
  std::string id = created["call_id"].GetString();
  EXPECT_TRUE(parse(f.call("GET", "/sim/record").body)["creates"][0]["ended_at_ms"].IsNull())
      << "a call that lasts has no end yet";
  // The sink sees a request before its sender has read the answer: the sender's counters catch
  // up a moment later.
  ASSERT_TRUE(f.run_until([&] {
    return f.events_for(id).size() == 4 &&
           parse(f.call("GET", "/sim/record").body)["webhooks_sent"].GetInt() == 4;
  }));
  EXPECT_EQ(f.events_for(id), (std::vector<std::string>{"call_started", "transcript_updated",
                                                        "call_ended", "call_analyzed"}));
  for (const auto& r : f.sink->requests)
    EXPECT_EQ(retell::verify_webhook(r.body, key, r.signature, f.now),
              retell::signature_status::valid);
  auto ended = parse(f.sink->requests[2].body);
  const auto& call = ended["call"];
  EXPECT_STREQ(call["call_status"].GetString(), "ended");
  EXPECT_FALSE(call.HasMember("call_analysis"));
  EXPECT_EQ(call["end_timestamp"].GetInt64() - call["start_timestamp"].GetInt64(),
            call["duration_ms"].GetInt64());
  EXPECT_GT(call["call_cost"]["combined_cost"].GetDouble(), 0);
  EXPECT_EQ(std::string(call["transcript"].GetString()).rfind("Agent: ", 0), 0u);
  EXPECT_STREQ(call["metadata"]["attempt_id"].GetString(), "5");
  auto analyzed = parse(f.sink->requests[3].body);
  EXPECT_TRUE(analyzed["call"]["call_analysis"].IsObject());
  EXPECT_EQ(f.provider->current_concurrency(), 0);
  auto record = parse(f.call("GET", "/sim/record").body);
  EXPECT_EQ(record["creates"][0]["ended_at_ms"].GetInt64(), call["end_timestamp"].GetInt64());
  EXPECT_EQ(record["calls_ended"].GetInt(), 1);
  EXPECT_EQ(record["calls_analyzed"].GetInt(), 1);
  EXPECT_EQ(record["webhook_backlog"].GetInt(), 0);
  EXPECT_EQ(record["webhooks_sent"].GetInt(), 4);
  auto summary = parse(f.call("GET", "/sim/record?summary=1").body);
  EXPECT_FALSE(summary.HasMember("creates"));
  EXPECT_EQ(summary["calls_total"].GetInt(), 1);
  EXPECT_EQ(record["webhooks_failed"].GetInt(), 0);
}

TEST(sim_provider, unconnected_calls_skip_call_started) {
  fixture f(fast("busy=1"), true);
  std::string id =
      parse(f.call("POST", "/v2/create-phone-call", create_body()).body)["call_id"].GetString();
  ASSERT_TRUE(f.run_until([&] { return f.events_for(id).size() == 2; }));
  EXPECT_EQ(f.events_for(id), (std::vector<std::string>{"call_ended", "call_analyzed"}));
  auto call = parse(f.call("GET", "/v2/get-call/" + id).body);
  EXPECT_STREQ(call["call_status"].GetString(), "not_connected");
  EXPECT_STREQ(call["disconnection_reason"].GetString(), "dial_busy");
}

TEST(sim_provider, webhook_faults) {
  fixture f(fast(), true);
  ASSERT_EQ(f.call("POST", "/sim/config", R"({"reorder_webhooks_ratio":1})").status, 204u);
  std::string reordered =
      parse(f.call("POST", "/v2/create-phone-call", create_body()).body)["call_id"].GetString();
  ASSERT_TRUE(f.run_until([&] { return f.events_for(reordered).size() == 3; }));
  auto events = f.events_for(reordered);
  auto position = [&](const char* name) {
    return std::find(events.begin(), events.end(), name) - events.begin();
  };
  EXPECT_EQ(events[0], "call_ended");
  EXPECT_LT(position("call_ended"), position("call_started"));

  ASSERT_EQ(
      f.call("POST", "/sim/config", R"({"reorder_webhooks_ratio":0,"drop_call_started_ratio":1})")
          .status,
      204u);
  std::string dropped =
      parse(f.call("POST", "/v2/create-phone-call", create_body()).body)["call_id"].GetString();
  ASSERT_TRUE(f.run_until([&] { return f.events_for(dropped).size() == 2; }));
  EXPECT_EQ(f.events_for(dropped), (std::vector<std::string>{"call_ended", "call_analyzed"}));

  ASSERT_EQ(
      f.call("POST", "/sim/config", R"({"drop_call_started_ratio":0,"duplicate_webhook_ratio":1})")
          .status,
      204u);
  std::string doubled =
      parse(f.call("POST", "/v2/create-phone-call", create_body()).body)["call_id"].GetString();
  ASSERT_TRUE(f.run_until([&] { return f.events_for(doubled).size() == 6; }));
  auto twice = f.events_for(doubled);
  EXPECT_EQ(std::count(twice.begin(), twice.end(), "call_started"), 2);
  EXPECT_EQ(std::count(twice.begin(), twice.end(), "call_ended"), 2);
  EXPECT_EQ(std::count(twice.begin(), twice.end(), "call_analyzed"), 2);
}

TEST(sim_provider, reset_clears_the_record_but_keeps_calls) {
  fixture f;
  std::string id =
      parse(f.call("POST", "/v2/create-phone-call", create_body()).body)["call_id"].GetString();
  EXPECT_EQ(f.call("POST", "/sim/reset").status, 204u);
  auto record = parse(f.call("GET", "/sim/record").body);
  EXPECT_EQ(record["creates"].Size(), 0u);
  EXPECT_EQ(record["peak_concurrency"].GetInt(), 1);  // the live call still counts
  EXPECT_EQ(record["current_concurrency"].GetInt(), 1);
  EXPECT_EQ(f.call("GET", "/v2/get-call/" + id).status, 200u);
}

}  // namespace
}  // namespace dialer::sim
