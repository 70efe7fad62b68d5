#include "http/auth.hpp"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace dialer::http {
namespace {

constexpr std::string_view secret = "test-secret-0123456789";
constexpr std::int64_t now = 1'767'225'600;  // 2026-01-01T00:00:00Z
/// Fast hashes where the iteration count does not matter to the test.
constexpr unsigned quick = 1000;

std::string base64url(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

/// A token built with libjwt directly, to get shapes issue_token never makes.
std::string raw_token(jwt_alg_t alg, std::string_view key, const char* grants_json) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> guard(jwt, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt, grants_json), 0);
  EXPECT_EQ(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                        static_cast<int>(key.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  EXPECT_NE(encoded, nullptr);
  std::string out = encoded ? encoded : "";
  std::free(encoded);
  return out;
}

token_claims sample() {
  return token_claims{42, 7, true, now + 3600};
}

TEST(password, hash_round_trip) {
  auto salt = make_salt();
  auto stored = hash_password("correct horse battery staple", salt);
  EXPECT_EQ(stored.rfind("pbkdf2-sha256$600000$", 0), 0u);
  EXPECT_EQ(stored.size(), std::string("pbkdf2-sha256$600000$").size() + 64);
  EXPECT_TRUE(check_password("correct horse battery staple", salt, stored));
}

TEST(password, wrong_password_or_salt_fails) {
  auto salt = make_salt();
  auto stored = hash_password("s3cret", salt, quick);
  EXPECT_TRUE(check_password("s3cret", salt, stored));
  EXPECT_FALSE(check_password("s3cret ", salt, stored));
  EXPECT_FALSE(check_password("S3cret", salt, stored));
  EXPECT_FALSE(check_password("", salt, stored));
  EXPECT_FALSE(check_password("s3cret", make_salt(), stored));
}

TEST(password, salts_are_random_and_change_the_hash) {
  auto a = make_salt();
  auto b = make_salt();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_NE(hash_password("same", a, quick), hash_password("same", b, quick));
  EXPECT_EQ(hash_password("same", a, quick), hash_password("same", a, quick));
}

TEST(password, iteration_count_is_read_from_the_stored_string) {
  auto salt = make_salt();
  auto stored = hash_password("pw", salt, 1234);
  EXPECT_EQ(stored.rfind("pbkdf2-sha256$1234$", 0), 0u);
  EXPECT_TRUE(check_password("pw", salt, stored));
  // The same key under another iteration count is a different hash.
  std::string forged = "pbkdf2-sha256$1235$" + stored.substr(stored.rfind('$') + 1);
  EXPECT_FALSE(check_password("pw", salt, forged));
}

TEST(password, malformed_stored_strings_fail) {
  auto salt = make_salt();
  auto stored = hash_password("pw", salt, quick);
  for (std::string bad : {std::string(""), std::string("pw"), std::string("pbkdf2-sha256$$"),
                          std::string("sha1$1000$") + std::string(64, 'a'),
                          std::string("pbkdf2-sha256$0$") + std::string(64, 'a'),
                          std::string("pbkdf2-sha256$99999999999$") + std::string(64, 'a'),
                          std::string("pbkdf2-sha256$-1$") + std::string(64, 'a'),
                          stored.substr(0, stored.size() - 1), stored + "0"}) {
    EXPECT_FALSE(check_password("pw", salt, bad)) << bad;
  }
}

TEST(token, round_trip) {
  auto token = issue_token(secret, sample());
  EXPECT_EQ(split(token).size(), 3u);
  auto claims = verify_token(secret, token, now);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->tenant_id, 7);
  EXPECT_TRUE(claims->is_admin);
  EXPECT_EQ(claims->exp, now + 3600);
  EXPECT_GT(claims->iat, 0);

  token_claims plain{5'000'000'000LL, 9'000'000'000LL, false, now + 60, now - 10};
  auto again = verify_token(secret, issue_token(secret, plain), now);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->user_id, 5'000'000'000LL);
  EXPECT_EQ(again->tenant_id, 9'000'000'000LL);
  EXPECT_FALSE(again->is_admin);
  EXPECT_EQ(again->iat, now - 10);
}

TEST(token, carries_the_documented_claims) {
  jwt_t* jwt = nullptr;
  auto token = issue_token(secret, sample());
  ASSERT_EQ(jwt_decode(&jwt, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                       static_cast<int>(secret.size())),
            0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> guard(jwt, jwt_free);
  EXPECT_EQ(jwt_get_alg(jwt), JWT_ALG_HS256);
  ASSERT_NE(jwt_get_grant(jwt, "sub"), nullptr);
  EXPECT_STREQ(jwt_get_grant(jwt, "sub"), "42");
  EXPECT_EQ(jwt_get_grant_int(jwt, "tenant_id"), 7);
  EXPECT_EQ(jwt_get_grant_bool(jwt, "is_admin"), 1);
  EXPECT_EQ(jwt_get_grant_int(jwt, "exp"), now + 3600);
}

TEST(token, expired_is_rejected) {
  auto token = issue_token(secret, sample());
  EXPECT_TRUE(verify_token(secret, token, now + 3599));
  EXPECT_FALSE(verify_token(secret, token, now + 3600));
  EXPECT_FALSE(verify_token(secret, token, now + 100000));
}

TEST(token, wrong_secret_is_rejected) {
  auto token = issue_token(secret, sample());
  EXPECT_FALSE(verify_token("another-secret", token, now));
  EXPECT_FALSE(verify_token("", token, now));
  EXPECT_THROW(issue_token("", sample()), std::invalid_argument);
}

TEST(token, tampered_payload_is_rejected) {
  token_claims c = sample();
  c.is_admin = false;
  auto parts = split(issue_token(secret, c));
  ASSERT_EQ(parts.size(), 3u);
  std::string forged_payload = base64url(R"({"exp":)" + std::to_string(now + 3600) +
                                         R"(,"is_admin":true,"sub":"42","tenant_id":7})");
  EXPECT_FALSE(verify_token(secret, parts[0] + "." + forged_payload + "." + parts[2], now));
  // Another tenant in an otherwise identical token.
  std::string other_tenant = base64url(R"({"exp":)" + std::to_string(now + 3600) +
                                       R"(,"is_admin":false,"sub":"42","tenant_id":8})");
  EXPECT_FALSE(verify_token(secret, parts[0] + "." + other_tenant + "." + parts[2], now));
  // A flipped signature character.
  std::string sig = parts[2];
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_token(secret, parts[0] + "." + parts[1] + "." + sig, now));
}

TEST(token, alg_none_is_rejected) {
  std::string header = base64url(R"({"alg":"none","typ":"JWT"})");
  std::string payload = base64url(R"({"sub":"42","tenant_id":7,"is_admin":true,"exp":)" +
                                  std::to_string(now + 3600) + "}");
  EXPECT_FALSE(verify_token(secret, header + "." + payload + ".", now));
  EXPECT_FALSE(verify_token(secret, header + "." + payload, now));
  // With a genuine HS256 signature glued on, it is still not HS256.
  auto parts = split(issue_token(secret, sample()));
  EXPECT_FALSE(verify_token(secret, header + "." + payload + "." + parts[2], now));
  std::string upper = base64url(R"({"alg":"NONE","typ":"JWT"})");
  EXPECT_FALSE(verify_token(secret, upper + "." + payload + ".", now));
}

TEST(token, other_algorithms_with_the_same_secret_are_rejected) {
  std::string grants =
      R"({"sub":"42","tenant_id":7,"is_admin":true,"exp":)" + std::to_string(now + 3600) + "}";
  auto hs256 = raw_token(JWT_ALG_HS256, secret, grants.c_str());
  EXPECT_TRUE(verify_token(secret, hs256, now));  // control: the same grants are fine
  EXPECT_FALSE(verify_token(secret, raw_token(JWT_ALG_HS512, secret, grants.c_str()), now));
  EXPECT_FALSE(verify_token(secret, raw_token(JWT_ALG_HS384, secret, grants.c_str()), now));
  // An RS256 header over an HS256 MAC (key confusion) is refused on the header alone.
  auto parts = split(hs256);
  std::string rs = base64url(R"({"alg":"RS256","typ":"JWT"})");
  EXPECT_FALSE(verify_token(secret, rs + "." + parts[1] + "." + parts[2], now));
}

TEST(token, missing_or_mistyped_claims_are_rejected) {
  const std::string exp = std::to_string(now + 3600);
  for (std::string grants : {
           R"({"tenant_id":7,"is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"42","is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"42","tenant_id":7,"exp":)" + exp + "}",
           std::string(R"({"sub":"42","tenant_id":7,"is_admin":true})"),
           R"({"sub":42,"tenant_id":7,"is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"4x2","tenant_id":7,"is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"-1","tenant_id":7,"is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"42","tenant_id":"7","is_admin":true,"exp":)" + exp + "}",
           R"({"sub":"42","tenant_id":7,"is_admin":1,"exp":)" + exp + "}",
           R"({"sub":"42","tenant_id":7,"is_admin":true,"exp":")" + exp + R"("})",
           R"({"sub":"42","tenant_id":7,"is_admin":true,"exp":)" + exp + ".5}",
           R"({"sub":"42","tenant_id":7,"is_admin":true,"exp":)" + exp + R"(,"iat":"x"})",
       }) {
    EXPECT_FALSE(verify_token(secret, raw_token(JWT_ALG_HS256, secret, grants.c_str()), now))
        << grants;
  }
}

TEST(token, garbage_is_rejected) {
  auto token = issue_token(secret, sample());
  for (std::string bad :
       {std::string(""), std::string("."), std::string(".."), std::string("abc"),
        std::string("a.b.c"), token + ".", token + "=", "x" + token, std::string(10000, 'a')}) {
    EXPECT_FALSE(verify_token(secret, bad, now)) << bad.substr(0, 40);
  }
}

TEST(bearer, extracts_the_credential) {
  request req;
  EXPECT_FALSE(bearer_token(req));
  req.headers["authorization"] = "Bearer abc.def.ghi";
  EXPECT_EQ(bearer_token(req), std::optional<std::string>("abc.def.ghi"));
  req.headers["authorization"] = "bearer   key_123  ";
  EXPECT_EQ(bearer_token(req), std::optional<std::string>("key_123"));
  req.headers["authorization"] = "BEARER x";
  EXPECT_EQ(bearer_token(req), std::optional<std::string>("x"));
  for (const char* bad :
       {"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearerabc", "Token abc", "Bearer a b", ""}) {
    req.headers["authorization"] = bad;
    EXPECT_FALSE(bearer_token(req)) << bad;
  }
}

}  // namespace
}  // namespace dialer::http
