#include "retell/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <string>

namespace dialer::retell {
namespace {

using digest = std::array<unsigned char, 32>;

digest hmac_sha256(std::string_view key, std::string_view body, std::string_view ts) {
  digest out{};
  unsigned int len = 0;
  std::string message;
  message.reserve(body.size() + ts.size());
  message.append(body).append(ts);
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &len);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view to_string(signature_status s) {
  switch (s) {
    case signature_status::valid: return "valid";
    case signature_status::malformed: return "malformed";
    case signature_status::bad_digest: return "bad_digest";
    case signature_status::stale: return "stale";
  }
  return "unknown";
}

std::string sign_webhook(std::string_view body, std::string_view api_key,
                         std::int64_t timestamp_ms) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string ts = std::to_string(timestamp_ms);
  digest d = hmac_sha256(api_key, body, ts);
  std::string out = "v=" + ts + ",d=";
  for (unsigned char b : d) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

signature_status verify_webhook(std::string_view body, std::string_view api_key,
                                std::string_view header, std::int64_t now_ms,
                                std::int64_t tolerance_ms) {
  // Expected form: v=<digits>,d=<64 hex>
  if (header.substr(0, 2) != "v=") return signature_status::malformed;
  auto comma = header.find(',');
  if (comma == std::string_view::npos || header.substr(comma + 1, 2) != "d=")
    return signature_status::malformed;
  std::string_view ts = header.substr(2, comma - 2);
  std::string_view hex = header.substr(comma + 3);
  std::int64_t stamp = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), stamp);
  if (ts.empty() || ec != std::errc{} || end != ts.data() + ts.size())
    return signature_status::malformed;
  if (hex.size() != 64) return signature_status::malformed;
  digest given{};
  for (std::size_t i = 0; i < given.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return signature_status::malformed;
    given[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  if (stamp > now_ms + tolerance_ms || stamp < now_ms - tolerance_ms)
    return signature_status::stale;
  digest expected = hmac_sha256(api_key, body, ts);
  if (CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0)
    return signature_status::bad_digest;
  return signature_status::valid;
}

}  // namespace dialer::retell
