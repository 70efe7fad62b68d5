#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace dialer::sim {

/// Seeded randomness for the simulator. Built on mt19937_64, whose output sequence the C++
/// standard fixes, and on our own mapping to doubles, so a seed gives the same draws everywhere.
class random_source {
 public:
  /// A source whose draws are fully determined by `seed`.
  explicit random_source(std::uint64_t seed) : engine_(seed) {}

  /// A uniform double in [0, 1).
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// A uniform double in [low, high).
  double between(double low, double high) { return low + (high - low) * unit(); }

  /// True with probability `p` (p <= 0: never; p >= 1: always).
  bool chance(double p) { return p > 0 && (p >= 1 || unit() < p); }

  /// `count` random lowercase hex digits.
  std::string hex(std::size_t count) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(count);
    std::uint64_t bits = 0;
    int left = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (left == 0) {
        bits = engine_();
        left = 16;
      }
      out.push_back(digits[bits & 0xf]);
      bits >>= 4;
      --left;
    }
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dialer::sim
