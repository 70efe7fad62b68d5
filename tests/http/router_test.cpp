#include "http/router.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <optional>

namespace dialer::http {
namespace {

request make_request(std::string method, std::string target) {
  request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.path = req.target.substr(0, req.target.find('?'));
  req.request_id = "req_test";
  return req;
}

/// Routes synchronously and returns what the handler (or the router) answered.
std::optional<response> route(const router& r, request req) {
  std::optional<response> out;
  r.route(std::move(req), [&](response res) { out = std::move(res); });
  return out;
}

std::string header_of(const response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return {};
}

TEST(error_response, has_exactly_the_api_shape) {
  auto res = error_response(404, "CAMPAIGN_NOT_FOUND", "Campaign 123 not found", "req_1");
  EXPECT_EQ(res.status, 404u);
  EXPECT_EQ(res.body, R"({"error":{"code":"CAMPAIGN_NOT_FOUND","message":"Campaign 123 not found",)"
                      R"("details":{},"request_id":"req_1"}})");
  EXPECT_EQ(header_of(res, "X-Request-Id"), "req_1");
  EXPECT_EQ(res.content_type, "application/json; charset=utf-8");
}

TEST(error_response, lists_field_errors_in_details_and_escapes_text) {
  auto res = error_response(400, "VALIDATION_ERROR", "Bad \"input\"\n", "req_2",
                            {{"phone", "not E.164"}, {"email", "missing"}});
  rapidjson::Document doc;
  doc.Parse(res.body.c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& err = doc["error"];
  EXPECT_STREQ(err["message"].GetString(), "Bad \"input\"\n");
  const auto& fields = err["details"]["fields"];
  ASSERT_TRUE(fields.IsArray());
  ASSERT_EQ(fields.Size(), 2u);
  EXPECT_STREQ(fields[0]["field"].GetString(), "phone");
  EXPECT_STREQ(fields[0]["message"].GetString(), "not E.164");
  EXPECT_STREQ(fields[1]["field"].GetString(), "email");
  EXPECT_EQ(err.MemberCount(), 4u);
}

class router_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto named = [this](std::string name) {
      return [this, name](request&& req, responder respond) {
        seen_ = req;
        response res;
        res.body = name;
        respond(std::move(res));
      };
    };
    r_.add("GET", "/api/v1/campaigns", named("list"));
    r_.add("POST", "/api/v1/campaigns", named("create"));
    r_.add("GET", "/api/v1/campaigns/{id}", named("get"));
    r_.add("GET", "/api/v1/campaigns/stats", named("stats"));
    r_.add("POST", "/api/v1/campaigns/{id}/start", named("start"));
    r_.add("DELETE", "/api/v1/leads/{lead_id}/notes/{note}", named("delete_note"));
    r_.add("GET", "/", named("root"));
  }
  router r_;
  request seen_;
};

TEST_F(router_test, matches_literals_and_params) {
  EXPECT_EQ(route(r_, make_request("GET", "/api/v1/campaigns"))->body, "list");
  EXPECT_EQ(route(r_, make_request("POST", "/api/v1/campaigns"))->body, "create");
  EXPECT_EQ(route(r_, make_request("GET", "/"))->body, "root");

  EXPECT_EQ(route(r_, make_request("POST", "/api/v1/campaigns/42/start?x=1"))->body, "start");
  EXPECT_EQ(seen_.path_params, (std::map<std::string, std::string>{{"id", "42"}}));

  EXPECT_EQ(route(r_, make_request("DELETE", "/api/v1/leads/7/notes/a%2Fb"))->body, "delete_note");
  EXPECT_EQ(seen_.path_params,
            (std::map<std::string, std::string>{{"lead_id", "7"}, {"note", "a/b"}}));
}

TEST_F(router_test, literal_segment_wins_over_a_parameter) {
  EXPECT_EQ(route(r_, make_request("GET", "/api/v1/campaigns/stats"))->body, "stats");
  EXPECT_EQ(route(r_, make_request("GET", "/api/v1/campaigns/9"))->body, "get");
}

TEST_F(router_test, segment_count_must_match_exactly) {
  for (const char* target : {"/api/v1/campaigns/42/start/now", "/api/v1/campaigns/42/", "/api/v1",
                             "/api/v1/campaigns//start", "/nothing"}) {
    auto res = route(r_, make_request("POST", target));
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 404u) << target;
  }
}

TEST_F(router_test, unknown_path_is_404_with_the_error_shape) {
  auto res = route(r_, make_request("GET", "/api/v1/nope"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404u);
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["error"]["code"].GetString(), "RESOURCE_NOT_FOUND");
  EXPECT_STREQ(doc["error"]["request_id"].GetString(), "req_test");
}

TEST_F(router_test, other_method_is_405_with_allow) {
  auto res = route(r_, make_request("DELETE", "/api/v1/campaigns"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405u);
  EXPECT_EQ(header_of(*res, "Allow"), "GET, POST");
  rapidjson::Document doc;
  doc.Parse(res->body.c_str());
  EXPECT_STREQ(doc["error"]["code"].GetString(), "METHOD_NOT_ALLOWED");
  EXPECT_STREQ(doc["error"]["request_id"].GetString(), "req_test");
}

TEST_F(router_test, head_uses_the_get_handler) {
  EXPECT_EQ(route(r_, make_request("HEAD", "/api/v1/campaigns/3"))->body, "get");
}

TEST_F(router_test, request_without_target_routes_on_path) {
  request req;
  req.method = "GET";
  req.path = "/api/v1/campaigns/5";
  EXPECT_EQ(route(r_, std::move(req))->body, "get");
  EXPECT_EQ(seen_.path_params.at("id"), "5");
}

TEST_F(router_test, lists_routes_in_registration_order) {
  auto routes = r_.routes();
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_EQ(routes[0], std::make_pair(std::string("GET"), std::string("/api/v1/campaigns")));
  EXPECT_EQ(routes[4],
            std::make_pair(std::string("POST"), std::string("/api/v1/campaigns/{id}/start")));
}

TEST(request, header_lookup_is_case_insensitive) {
  request req;
  req.headers["x-retell-signature"] = "v=1";
  req.query.emplace("a", "1");
  req.query.emplace("a", "2");
  EXPECT_EQ(req.header("X-Retell-Signature"), "v=1");
  EXPECT_EQ(req.header("missing"), "");
  ASSERT_NE(req.query_param("a"), nullptr);
  EXPECT_EQ(*req.query_param("a"), "1");
  EXPECT_EQ(req.query_param("b"), nullptr);
}

}  // namespace
}  // namespace dialer::http
