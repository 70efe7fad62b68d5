#include "http/target.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/request_id.hpp"

namespace dialer::http {
namespace {

TEST(target, percent_decode_handles_escapes_plus_and_bad_escapes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percent_decode("%e2%9C%93"), "\xe2\x9c\x93");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("%00x"), std::string("\0x", 2));
}

TEST(target, splits_path_and_query) {
  EXPECT_EQ(target_path("/a/b?x=1#frag"), "/a/b");
  EXPECT_EQ(target_query("/a/b?x=1&y=2#frag"), "x=1&y=2");
  EXPECT_EQ(target_query("/a/b"), "");
  EXPECT_EQ(target_path("http://example.com/a?b"), "/a");
  EXPECT_EQ(target_path("http://example.com"), "/");
}

TEST(target, parses_query_with_repeats_and_empties) {
  auto q = parse_query("x=1%202&y=a+b&&z&x=3&=skip&e=");
  EXPECT_EQ(q.count("x"), 2u);
  auto [lo, hi] = q.equal_range("x");
  std::vector<std::string> xs;
  for (auto it = lo; it != hi; ++it) xs.push_back(it->second);
  EXPECT_EQ(xs, (std::vector<std::string>{"1 2", "3"}));
  EXPECT_EQ(q.find("y")->second, "a b");
  EXPECT_EQ(q.find("z")->second, "");
  EXPECT_EQ(q.find("e")->second, "");
  EXPECT_EQ(q.count(""), 0u);
  EXPECT_EQ(q.size(), 5u);
}

TEST(target, path_segments_decode_each_segment) {
  EXPECT_TRUE(path_segments("/").empty());
  EXPECT_TRUE(path_segments("").empty());
  EXPECT_EQ(path_segments("/a/b%2Fc/d%20e"), (std::vector<std::string>{"a", "b/c", "d e"}));
  EXPECT_EQ(path_segments("/a//b/"), (std::vector<std::string>{"a", "", "b", ""}));
}

TEST(request_id, fresh_ids_have_the_documented_shape) {
  auto a = make_request_id();
  auto b = make_request_id();
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a.rfind("req_", 0), 0u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(request_id, ids_from_many_threads_do_not_repeat) {
  // Each thread draws from its own stream: the streams must not overlap.
  std::vector<std::vector<std::string>> drawn(4);
  std::vector<std::thread> threads;
  for (auto& ids : drawn)
    threads.emplace_back([&ids] {
      for (int i = 0; i < 5000; ++i) ids.push_back(make_request_id());
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : drawn) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 20000u);
}

TEST(request_id, only_short_safe_incoming_ids_are_reused) {
  EXPECT_TRUE(is_safe_request_id("abc-DEF_123"));
  EXPECT_TRUE(is_safe_request_id(std::string(64, 'a')));
  EXPECT_FALSE(is_safe_request_id(std::string(65, 'a')));
  EXPECT_FALSE(is_safe_request_id(""));
  EXPECT_FALSE(is_safe_request_id("a b"));
  EXPECT_FALSE(is_safe_request_id("a\"b"));
  EXPECT_FALSE(is_safe_request_id("a\r\nX-Evil: 1"));
  EXPECT_EQ(request_id_for("client-1"), "client-1");
  EXPECT_EQ(request_id_for("bad id").rfind("req_", 0), 0u);
}

}  // namespace
}  // namespace dialer::http
