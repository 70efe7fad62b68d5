#include "log/log_event.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <limits>
#include <sstream>

namespace dialer::log {
namespace {

constexpr std::string_view ts = "2024-05-01T12:00:00.123Z";

/// Parses one rendered line: it must end in exactly one '\n' and be one JSON object.
rapidjson::Document parse_line(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a line holds no other newline: " << line;
  rapidjson::Document d;
  d.Parse(line.data(), line.size() - 1);
  EXPECT_FALSE(d.HasParseError()) << "not JSON: " << line;
  EXPECT_TRUE(d.IsObject()) << line;
  return d;
}

TEST(log_line, json_line_has_time_level_message_then_the_fields_in_order) {
  fields f;
  f.request_id("req_1").tenant_id(7).campaign_id(12).attempt_id(99).provider_call_id("call_x");
  f.add("status", 201).add("seconds", 0.25).add("path", "/api/v1/leads");
  auto line = render_line(line_format::json, ts, level::info, "dial answered", f);
  EXPECT_EQ(line,
            R"({"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"dial answered",)"
            R"("request_id":"req_1","tenant_id":7,"campaign_id":12,"attempt_id":99,)"
            R"("provider_call_id":"call_x","status":201,"seconds":0.25,"path":"/api/v1/leads"})"
            "\n");
  auto d = parse_line(line);
  EXPECT_EQ(d["tenant_id"].GetInt64(), 7);
  EXPECT_STREQ(d["provider_call_id"].GetString(), "call_x");
}

TEST(log_line, quotes_backslashes_newlines_and_control_characters_are_escaped) {
  std::string msg = "he said \"hi\"\nthen left\\ \t\r\x01\x1f end";
  fields f;
  f.add("error", "line one\nline \"two\"");
  auto line = render_line(line_format::json, ts, level::warn, msg, f);
  auto d = parse_line(line);
  EXPECT_EQ(std::string(d["msg"].GetString(), d["msg"].GetStringLength()), msg);
  EXPECT_STREQ(d["error"].GetString(), "line one\nline \"two\"");
  EXPECT_STREQ(d["level"].GetString(), "warn");
  EXPECT_NE(line.find(R"(\u0001)"), std::string::npos);
}

TEST(log_line, utf8_is_kept_and_invalid_bytes_become_replacement_characters) {
  std::string msg = "caf\xc3\xa9 \xe2\x82\xac ok \xff bad \xc3 cut \xed\xa0\x80 surrogate";
  auto d = parse_line(render_line(line_format::json, ts, level::info, msg, {}));
  EXPECT_EQ(std::string(d["msg"].GetString()),
            "caf\xc3\xa9 \xe2\x82\xac ok \xef\xbf\xbd bad \xef\xbf\xbd cut "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate");
}

TEST(log_line, unknown_ids_are_left_out_and_reserved_names_cannot_be_overwritten) {
  fields f;
  f.tenant_id(0).campaign_id(0).attempt_id(0).provider_call_id("").request_id("req_2");
  f.add("msg", "sneaky").add("level", "error").add("n", 1).add("n", 2);
  auto d = parse_line(render_line(line_format::json, ts, level::error, "real", f));
  EXPECT_FALSE(d.HasMember("tenant_id"));
  EXPECT_FALSE(d.HasMember("campaign_id"));
  EXPECT_FALSE(d.HasMember("provider_call_id"));
  EXPECT_STREQ(d["msg"].GetString(), "real");
  EXPECT_STREQ(d["level"].GetString(), "error");
  EXPECT_STREQ(d["field_msg"].GetString(), "sneaky");
  EXPECT_EQ(d["n"].GetInt(), 2) << "a field set twice keeps its last value";
  EXPECT_EQ(d.MemberCount(), 7u);
}

TEST(log_line, non_finite_numbers_are_written_as_text) {
  fields f;
  f.add("ratio", std::numeric_limits<double>::quiet_NaN())
      .add("limit", std::numeric_limits<double>::infinity());
  auto d = parse_line(render_line(line_format::json, ts, level::info, "x", f));
  EXPECT_STREQ(d["ratio"].GetString(), "NaN");
  EXPECT_STREQ(d["limit"].GetString(), "+Inf");
}

TEST(log_line, text_line_is_one_readable_line) {
  fields f;
  f.tenant_id(3).add("error", "two words").add("path", "/healthz");
  auto line = render_line(line_format::text, ts, level::info, "first\nsecond", f);
  EXPECT_EQ(line,
            "2024-05-01T12:00:00.123Z info  first second tenant_id=3 error=\"two words\" "
            "path=/healthz\n");
}

TEST(log_line, levels_and_formats_parse_from_their_names) {
  EXPECT_EQ(parse_level("warn"), level::warn);
  EXPECT_EQ(parse_level("trace"), level::trace);
  EXPECT_FALSE(parse_level("loud"));
  EXPECT_FALSE(parse_level("WARN"));
  EXPECT_EQ(parse_format("json"), line_format::json);
  EXPECT_EQ(parse_format("text"), line_format::text);
  EXPECT_FALSE(parse_format("xml"));
}

TEST(log_line, log_event_and_plain_spdlog_calls_both_write_json_lines_at_the_configured_level) {
  static std::ostringstream out;  // outlives the logger configured below
  configure(line_format::json, level::info, &out);
  log_event(level::debug, "below the level", fields().tenant_id(1));
  log_event(level::info, "call \"ended\"", fields().tenant_id(4).attempt_id(5));
  spdlog::warn("plain {} with \"quotes\"\nand a newline", 42);
  spdlog::default_logger()->flush();
  std::istringstream lines(out.str());
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, extra)) << "the debug line is filtered out";
  auto a = parse_line(first + "\n");
  EXPECT_STREQ(a["msg"].GetString(), "call \"ended\"");
  EXPECT_EQ(a["attempt_id"].GetInt(), 5);
  auto b = parse_line(second + "\n");
  EXPECT_STREQ(b["msg"].GetString(), "plain 42 with \"quotes\"\nand a newline");
  EXPECT_STREQ(b["level"].GetString(), "warn");
  EXPECT_FALSE(b.HasMember("tenant_id")) << "fields of an earlier line do not leak";
  configure(line_format::text, level::info);
}

}  // namespace
}  // namespace dialer::log
