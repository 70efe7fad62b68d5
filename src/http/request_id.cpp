#include "http/request_id.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstdint>

namespace dialer::http {

namespace {

/// splitmix64: a fast mixer, so that consecutive counter values give unrelated ids.
std::uint64_t mixed(std::uint64_t v) {
  v += 0x9e3779b97f4a7c15ULL;
  v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
  v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
  return v ^ (v >> 31);
}

/// This thread's stream of ids: seeded once from the system's randomness, then counted.
std::uint64_t next_id_bits() {
  thread_local std::uint64_t state = [] {
    std::uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1)
      seed = static_cast<std::uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count());
    return seed;
  }();
  return mixed(state++);
}

}  // namespace

// Request ids correlate logs; they are not secrets. Drawing each from OpenSSL's generator cost
// a system call (its fork check) per request.
std::string make_request_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t v = next_id_bits();
  std::string out = "req_";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(hex[(v >> shift) & 0xf]);
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
