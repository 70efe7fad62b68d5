#include "http/auth.hpp"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace dialer::http {
namespace {

constexpr std::string_view hash_scheme = "pbkdf2-sha256";
constexpr std::size_t derived_key_bytes = 32;
/// Bounds the work a (corrupt or hostile) stored hash can ask of check_password.
constexpr unsigned max_iterations = 10'000'000;
/// Tokens are a few hundred bytes; anything far larger is not ours.
constexpr std::size_t max_token_bytes = 8 * 1024;

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(hex[data[i] >> 4]);
    out.push_back(hex[data[i] & 0xf]);
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // The lengths are public (fixed by the scheme); only the contents must not leak.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool parse_uint(std::string_view text, unsigned& out) {
  if (text.empty() || text.size() > 10) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/// Strict base64url without padding, as JWS uses it.
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, so that one token has exactly one spelling.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

/// The header must say exactly HS256 (no "none", no other HMAC, no public-key algorithm).
bool header_is_hs256(std::string_view encoded) {
  auto json = base64url_decode(encoded);
  if (!json) return false;
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto alg = doc.FindMember("alg");
  if (alg == doc.MemberEnd() || !alg->value.IsString() ||
      std::string_view(alg->value.GetString(), alg->value.GetStringLength()) != "HS256")
    return false;
  auto typ = doc.FindMember("typ");
  if (typ != doc.MemberEnd() && (!typ->value.IsString() || !iequals(typ->value.GetString(), "JWT")))
    return false;
  // We implement no header extensions, so a token that demands one is refused (RFC 7515 4.1.11).
  return !doc.HasMember("crit");
}

/// HMAC-SHA256 of "header.payload" compared in constant time with the decoded signature.
/// libjwt 1.10 compares signatures with strcmp, so this check runs first.
bool signature_matches(std::string_view secret, std::string_view signing_input,
                       std::string_view encoded_signature) {
  auto sig = base64url_decode(encoded_signature);
  if (!sig || sig->size() != 32) return false;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
           mac.data(), &mac_len) == nullptr ||
      mac_len != 32)
    return false;
  return CRYPTO_memcmp(mac.data(), sig->data(), 32) == 0;
}

bool parse_user_id(const rapidjson::Value& v, std::int64_t& out) {
  if (!v.IsString()) return false;
  std::string_view s(v.GetString(), v.GetStringLength());
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct c_string_deleter {
  void operator()(char* s) const { std::free(s); }
};
using c_string = std::unique_ptr<char, c_string_deleter>;

}  // namespace

std::string make_salt() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no salt");
  return to_hex(bytes.data(), bytes.size());
}

std::string hash_password(std::string_view password, std::string_view salt, unsigned iterations) {
  if (iterations == 0 || iterations > max_iterations)
    throw std::invalid_argument("hash_password: iterations out of range");
  std::array<unsigned char, derived_key_bytes> key{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(key.size()), key.data()) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  std::string out(hash_scheme);
  out += '$';
  out += std::to_string(iterations);
  out += '$';
  out += to_hex(key.data(), key.size());
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

bool check_password(std::string_view password, std::string_view salt, std::string_view stored) {
  // stored = scheme $ iterations $ hex
  auto first = stored.find('$');
  if (first == std::string_view::npos || stored.substr(0, first) != hash_scheme) return false;
  auto second = stored.find('$', first + 1);
  if (second == std::string_view::npos) return false;
  unsigned iterations = 0;
  if (!parse_uint(stored.substr(first + 1, second - first - 1), iterations) || iterations == 0 ||
      iterations > max_iterations)
    return false;
  std::string_view expected = stored.substr(second + 1);
  if (expected.size() != derived_key_bytes * 2) return false;
  std::string actual = hash_password(password, salt, iterations);
  bool same = equal_constant_time(std::string_view(actual).substr(actual.rfind('$') + 1), expected);
  OPENSSL_cleanse(actual.data(), actual.size());
  return same;
}

std::string issue_token(std::string_view secret, const token_claims& claims) {
  if (secret.empty()) throw std::invalid_argument("issue_token: empty secret");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0 || raw == nullptr) throw std::runtime_error("jwt_new failed");
  jwt_ptr jwt(raw);

  std::int64_t iat = claims.iat;
  if (iat == 0) {
    iat = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  }
  std::string sub = std::to_string(claims.user_id);
  if (!claims.role.empty() && jwt_add_grant(jwt.get(), "role", claims.role.c_str()) != 0)
    throw std::runtime_error("jwt_add_grant failed");
  if (jwt_add_grant(jwt.get(), "sub", sub.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "tenant_id", static_cast<long>(claims.tenant_id)) != 0 ||
      jwt_add_grant_bool(jwt.get(), "is_admin", claims.is_admin ? 1 : 0) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(claims.exp)) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(iat)) != 0)
    throw std::runtime_error("jwt_add_grant failed");
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("jwt_set_alg failed");
  c_string encoded(jwt_encode_str(jwt.get()));
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  return std::string(encoded.get());
}

std::optional<token_claims> verify_token(std::string_view secret, std::string_view token,
                                         std::int64_t now_s) {
  if (secret.empty() || token.empty() || token.size() > max_token_bytes) return std::nullopt;
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return std::nullopt;
  if (dot1 == 0 || dot2 == dot1 + 1 || dot2 + 1 == token.size()) return std::nullopt;

  if (!header_is_hs256(token.substr(0, dot1))) return std::nullopt;
  if (!signature_matches(secret, token.substr(0, dot2), token.substr(dot2 + 1)))
    return std::nullopt;

  // libjwt checks the signature again and decodes the claims; we still insist on its view of
  // the algorithm, since it picks the verification from the header.
  std::string token_z(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 0 ||
      raw == nullptr)
    return std::nullopt;
  jwt_ptr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return std::nullopt;

  c_string grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(grants.get());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;

  token_claims out;
  auto sub = doc.FindMember("sub");
  if (sub == doc.MemberEnd() || !parse_user_id(sub->value, out.user_id)) return std::nullopt;
  auto tenant = doc.FindMember("tenant_id");
  if (tenant == doc.MemberEnd() || !tenant->value.IsInt64()) return std::nullopt;
  out.tenant_id = tenant->value.GetInt64();
  auto admin = doc.FindMember("is_admin");
  if (admin == doc.MemberEnd() || !admin->value.IsBool()) return std::nullopt;
  out.is_admin = admin->value.GetBool();
  auto exp = doc.FindMember("exp");
  if (exp == doc.MemberEnd() || !exp->value.IsInt64()) return std::nullopt;
  out.exp = exp->value.GetInt64();
  auto iat = doc.FindMember("iat");
  if (iat != doc.MemberEnd()) {
    if (!iat->value.IsInt64()) return std::nullopt;
    out.iat = iat->value.GetInt64();
  }
  auto role = doc.FindMember("role");
  if (role != doc.MemberEnd()) {
    if (!role->value.IsString()) return std::nullopt;
    out.role.assign(role->value.GetString(), role->value.GetStringLength());
    if (out.role != "admin" && out.role != "user" && out.role != "viewer") return std::nullopt;
    if (out.is_admin != (out.role == "admin")) return std::nullopt;
  }
  auto nbf = doc.FindMember("nbf");
  if (nbf != doc.MemberEnd() && (!nbf->value.IsInt64() || nbf->value.GetInt64() > now_s))
    return std::nullopt;

  if (now_s >= out.exp) return std::nullopt;
  return out;
}

std::optional<std::string> bearer_token(const request& req) {
  std::string value = req.header("authorization");
  std::string_view v(value);
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  constexpr std::string_view scheme = "bearer";
  if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) ||
      !is_space(v[scheme.size()]))
    return std::nullopt;
  v.remove_prefix(scheme.size());
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  if (v.empty()) return std::nullopt;
  for (char c : v) {
    if (is_space(c) || static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return std::nullopt;
  }
  return std::string(v);
}

std::string make_api_key() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no API key");
  std::string key(api_key_prefix);
  key += to_hex(bytes.data(), bytes.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

bool is_api_key(std::string_view credential) {
  if (credential.size() != api_key_prefix.size() + 64 ||
      credential.substr(0, api_key_prefix.size()) != api_key_prefix)
    return false;
  for (char c : credential.substr(api_key_prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string api_key_digest(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed");
  return to_hex(digest.data(), length);
}

}  // namespace dialer::http
