#include "retell_sim/list_query.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "retell_sim/call_json.hpp"

namespace dialer::sim {
namespace {

sim_call call_with(std::string id, const char* metadata, std::string status = "ended") {
  sim_call c;
  c.call_id = std::move(id);
  c.call_status = std::move(status);
  c.metadata_json = metadata;
  rapidjson::Document doc;
  doc.Parse(metadata);
  c.metadata_fields = flatten_metadata(doc);
  return c;
}

std::deque<sim_call> sample_calls() {
  std::deque<sim_call> calls;
  calls.push_back(call_with("call_1", R"({"attempt_id":"41","tenant":"a"})"));
  calls.push_back(call_with("call_2", R"({"attempt_id":"42","tenant":"a"})", "ongoing"));
  calls.push_back(call_with("call_3", R"({"attempt_id":42,"tenant":"b","score":7.5})"));
  calls.push_back(call_with("call_4", R"({"tenant":"b"})", "not_connected"));
  return calls;
}

std::vector<std::string> ids(const list_page& page) {
  std::vector<std::string> out;
  for (const auto* c : page.calls) out.push_back(c->call_id);
  return out;
}

list_page run(const char* body, const std::deque<sim_call>& calls) {
  auto parsed = parse_list_query(body);
  EXPECT_TRUE(parsed.query) << body << ": " << parsed.error;
  if (!parsed.query) return {};
  return select_page(*parsed.query, calls);
}

using ids_t = std::vector<std::string>;

TEST(list_query, empty_body_lists_newest_first_up_to_50) {
  auto calls = sample_calls();
  EXPECT_EQ(ids(run("", calls)), (ids_t{"call_4", "call_3", "call_2", "call_1"}));
  auto q = parse_list_query("{}");
  ASSERT_TRUE(q.query);
  EXPECT_EQ(q.query->limit, 50u);
  EXPECT_TRUE(q.query->descending);
}

TEST(list_query, metadata_object_form_compares_as_text) {
  auto calls = sample_calls();
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":{"attempt_id":"42"}}})", calls)),
            (ids_t{"call_3", "call_2"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":{"attempt_id":42}}})", calls)),
            (ids_t{"call_3", "call_2"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":{"attempt_id":"42","tenant":"a"}}})", calls)),
            (ids_t{"call_2"}));
  EXPECT_TRUE(ids(run(R"({"filter_criteria":{"metadata":{"attempt_id":"4"}}})", calls)).empty());
}

TEST(list_query, metadata_array_form_with_ops) {
  auto calls = sample_calls();
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":[
                {"key":"attempt_id","op":"eq","type":"string","value":"41"}]}})",
                    calls)),
            (ids_t{"call_1"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":[{"key":"attempt_id","op":"np",
                "type":"present"}]}})",
                    calls)),
            (ids_t{"call_4"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":[{"key":"score","op":"gt",
                "type":"number","value":7}]}})",
                    calls)),
            (ids_t{"call_3"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":[{"key":"attempt_id","op":"sw",
                "type":"string","value":"4"}]},"sort_order":"ascending"})",
                    calls)),
            (ids_t{"call_1", "call_2", "call_3"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"metadata":[{"key":"tenant","op":"in",
                "type":"enum","value":["b"]}]}})",
                    calls)),
            (ids_t{"call_4", "call_3"}));
}

TEST(list_query, status_and_id_filters) {
  auto calls = sample_calls();
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"call_status":["ongoing","not_connected"]}})", calls)),
            (ids_t{"call_4", "call_2"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"call_status":{"op":"in","value":["ended"]}}})", calls)),
            (ids_t{"call_3", "call_1"}));
  EXPECT_EQ(ids(run(R"({"filter_criteria":{"call_id":["call_2"]}})", calls)), (ids_t{"call_2"}));
}

TEST(list_query, limit_and_pagination) {
  auto calls = sample_calls();
  EXPECT_EQ(ids(run(R"({"limit":2})", calls)), (ids_t{"call_4", "call_3"}));
  EXPECT_EQ(ids(run(R"({"limit":2,"pagination_key":"call_3"})", calls)),
            (ids_t{"call_2", "call_1"}));
  EXPECT_EQ(ids(run(R"({"limit":2,"pagination_key":"call_2","sort_order":"ascending"})", calls)),
            (ids_t{"call_3", "call_4"}));
  EXPECT_TRUE(run(R"({"limit":3})", calls).has_more);
  EXPECT_FALSE(run(R"({"limit":4})", calls).has_more);
  EXPECT_FALSE(run(R"({"limit":2,"pagination_key":"call_3"})", calls).has_more);
  auto q = parse_list_query(R"({"pagination_key":"call_nope"})");
  ASSERT_TRUE(q.query);
  EXPECT_FALSE(select_page(*q.query, calls).error.empty());
}

TEST(list_query, refuses_bad_bodies) {
  for (const char* bad :
       {"[]", "{", R"({"limit":0})", R"({"limit":1001})", R"({"limit":"5"})",
        R"({"sort_order":"sideways"})", R"({"filter_criteria":5})",
        R"({"filter_criteria":{"agent":[]}})", R"({"filter_criteria":{"metadata":"x"}})",
        R"({"filter_criteria":{"metadata":{"k":{"nested":1}}}})",
        R"({"filter_criteria":{"metadata":[{"op":"eq","value":"1"}]}})",
        R"({"filter_criteria":{"metadata":[{"key":"k","op":"zz","value":"1"}]}})",
        R"({"filter_criteria":{"metadata":[{"key":"k","op":"gt","value":"1"}]}})",
        R"({"pagination_key":5})", R"({"surprise":true})"}) {
    auto q = parse_list_query(bad);
    EXPECT_FALSE(q.query) << bad;
    EXPECT_FALSE(q.error.empty()) << bad;
  }
}

}  // namespace
}  // namespace dialer::sim
