#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dialer::sim {

/// How a simulated call turns out.
enum class call_outcome { answered, no_answer, busy, voicemail, failed };

/// Number of distinct call outcomes.
inline constexpr std::size_t outcome_count = 5;

/// The wire-ish name of an outcome ("answered", "no_answer", ...).
std::string_view to_string(call_outcome o);

/// Looks an outcome up by its name; nullopt when unknown.
std::optional<call_outcome> outcome_from_string(std::string_view name);

/// Relative weights of the call outcomes; sampling picks each in proportion to its weight.
class outcome_mix {
 public:
  /// The default mix: answered 60, no_answer 15, busy 10, voicemail 10, failed 5.
  outcome_mix();

  /// Sets the weight of one outcome; weights must be finite and >= 0.
  void set_weight(call_outcome o, double weight);

  /// The weight of one outcome.
  double weight(call_outcome o) const { return weights_[static_cast<std::size_t>(o)]; }

  /// Sum of all weights; a usable mix has a positive total.
  double total() const;

  /// Maps a uniform number in [0, 1) to an outcome by cumulative weight.
  call_outcome pick(double unit) const;

  /// Text form "answered=60,no_answer=15,..." (every outcome, in enum order).
  std::string to_text() const;

 private:
  std::array<double, outcome_count> weights_{};
};

/// The result of parsing a mix: either a mix or an error message.
struct outcome_mix_parse {
  std::optional<outcome_mix> mix;
  std::string error;
};

/// Parses "answered=60,no_answer=15,..." ; outcomes not named get weight 0. Errors on unknown
/// names, repeated names, bad or negative numbers, and an all-zero mix.
outcome_mix_parse parse_outcome_mix(std::string_view text);

}  // namespace dialer::sim
