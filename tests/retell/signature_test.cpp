#include "retell/signature.hpp"

#include <gtest/gtest.h>

namespace dialer::retell {
namespace {

const std::string body = R"({"event":"call_started","call":{"call_id":"call_1"}})";
const std::string key = "key_test_123";
constexpr std::int64_t now = 1'767'225'600'000;

TEST(signature, own_signature_verifies) {
  auto header = sign_webhook(body, key, now);
  EXPECT_EQ(header.rfind("v=1767225600000,d=", 0), 0u);
  EXPECT_EQ(header.size(), std::string("v=1767225600000,d=").size() + 64);
  EXPECT_EQ(verify_webhook(body, key, header, now), signature_status::valid);
  EXPECT_EQ(verify_webhook(body, key, header, now + 299'000), signature_status::valid);
}

TEST(signature, tampered_body_wrong_key_and_stale_are_refused) {
  auto header = sign_webhook(body, key, now);
  EXPECT_EQ(verify_webhook(body + " ", key, header, now), signature_status::bad_digest);
  EXPECT_EQ(verify_webhook(body, "other", header, now), signature_status::bad_digest);
  EXPECT_EQ(verify_webhook(body, key, header, now + 301'000), signature_status::stale);
  EXPECT_EQ(verify_webhook(body, key, header, now - 301'000), signature_status::stale);
}

TEST(signature, malformed_headers_are_refused) {
  auto good = sign_webhook(body, key, now);
  for (std::string bad : {std::string(""), std::string("v=,d=abc"), good.substr(0, good.size() - 2),
                          std::string("d=") + good, "v=12x,d=" + std::string(64, 'a'),
                          "v=1767225600000,d=" + std::string(64, 'z')})
    EXPECT_EQ(verify_webhook(body, key, bad, now), signature_status::malformed) << bad;
}

TEST(signature, known_vector_matches_hmac_of_body_then_timestamp) {
  // HMAC-SHA256(key="k", "{}" + "1000"), computed independently with openssl dgst.
  EXPECT_EQ(sign_webhook("{}", "k", 1000),
            "v=1000,d=640d3fdd603f6aa8292701b400376c6a2736fa0253f2e4270c18789bbf4193a3");
}

}  // namespace
}  // namespace dialer::retell
