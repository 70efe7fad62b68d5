#include "retell_sim/http_url.hpp"

#include <gtest/gtest.h>

namespace dialer::sim {
namespace {

TEST(http_url, splits_host_port_and_target) {
  auto url = parse_http_url("http://127.0.0.1:8080/webhooks/retell?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->target, "/webhooks/retell?x=1");
}

TEST(http_url, defaults_port_and_path) {
  auto url = parse_http_url("http://localhost");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "localhost");
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");
}

TEST(http_url, accepts_bracketed_ipv6) {
  auto url = parse_http_url("http://[::1]:9000/hook");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9000");
}

TEST(http_url, refuses_other_schemes_and_bad_ports) {
  for (const char* bad : {"https://x/y", "ftp://x", "http://", "http://:80/", "http://h:0/",
                          "http://h:65536/", "http://h:abc/", "http://h:/", "localhost:80"})
    EXPECT_FALSE(parse_http_url(bad)) << bad;
}

TEST(http_url, host_port_pairs) {
  auto hp = parse_host_port("127.0.0.1:0");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->first, "127.0.0.1");
  EXPECT_EQ(hp->second, 0);
  EXPECT_TRUE(parse_host_port("[::1]:443"));
  EXPECT_FALSE(parse_host_port("127.0.0.1"));
  EXPECT_FALSE(parse_host_port(":80"));
  EXPECT_FALSE(parse_host_port("h:99999"));
}

}  // namespace
}  // namespace dialer::sim
