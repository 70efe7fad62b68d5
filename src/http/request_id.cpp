#include "http/request_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace dialer::http {

std::string make_request_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // The id only has to be unique enough to correlate logs: fall back to time and a counter.
    static std::atomic<std::uint64_t> counter{0};
    std::uint64_t v =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (counter.fetch_add(1) * 0x9e3779b97f4a7c15ULL);
    for (auto& b : bytes) {
      b = static_cast<unsigned char>(v & 0xff);
      v >>= 8;
    }
  }
  std::string out = "req_";
  for (unsigned char b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

bool is_safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string request_id_for(std::string_view incoming) {
  return is_safe_request_id(incoming) ? std::string(incoming) : make_request_id();
}

}  // namespace dialer::http
