#include "retell_sim/outcome_mix.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace dialer::sim {
namespace {

constexpr std::array<std::string_view, outcome_count> outcome_names = {
    "answered", "no_answer", "busy", "voicemail", "failed"};

std::optional<double> parse_weight(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(call_outcome o) {
  return outcome_names[static_cast<std::size_t>(o)];
}

std::optional<call_outcome> outcome_from_string(std::string_view name) {
  for (std::size_t i = 0; i < outcome_count; ++i)
    if (outcome_names[i] == name) return static_cast<call_outcome>(i);
  return std::nullopt;
}

outcome_mix::outcome_mix() : weights_{60, 15, 10, 10, 5} {}

void outcome_mix::set_weight(call_outcome o, double weight) {
  weights_[static_cast<std::size_t>(o)] = weight;
}

double outcome_mix::total() const {
  double sum = 0;
  for (double w : weights_) sum += w;
  return sum;
}

call_outcome outcome_mix::pick(double unit) const {
  const double target = unit * total();
  double running = 0;
  std::size_t last_positive = 0;
  for (std::size_t i = 0; i < outcome_count; ++i) {
    if (weights_[i] <= 0) continue;
    last_positive = i;
    running += weights_[i];
    if (target < running) return static_cast<call_outcome>(i);
  }
  // Only reached through rounding at unit close to 1: fall back to the last weighted outcome.
  return static_cast<call_outcome>(last_positive);
}

std::string outcome_mix::to_text() const {
  std::ostringstream out;
  for (std::size_t i = 0; i < outcome_count; ++i) {
    if (i) out << ',';
    out << outcome_names[i] << '=' << weights_[i];
  }
  return out.str();
}

outcome_mix_parse parse_outcome_mix(std::string_view text) {
  outcome_mix mix;
  for (std::size_t i = 0; i < outcome_count; ++i) mix.set_weight(static_cast<call_outcome>(i), 0);
  std::array<bool, outcome_count> seen{};
  std::size_t pos = 0;
  if (trim(text).empty()) return {std::nullopt, "mix is empty"};
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return {std::nullopt, "mix entry '" + std::string(item) + "' is not name=weight"};
    std::string_view name = trim(item.substr(0, eq));
    auto outcome = outcome_from_string(name);
    if (!outcome)
      return {std::nullopt, "unknown outcome '" + std::string(name) +
                                "' (expected answered, no_answer, busy, voicemail, failed)"};
    auto index = static_cast<std::size_t>(*outcome);
    if (seen[index]) return {std::nullopt, "outcome '" + std::string(name) + "' given twice"};
    seen[index] = true;
    auto weight = parse_weight(trim(item.substr(eq + 1)));
    if (!weight)
      return {std::nullopt, "weight of '" + std::string(name) + "' must be a number >= 0"};
    mix.set_weight(*outcome, *weight);
  }
  if (!(mix.total() > 0)) return {std::nullopt, "mix weights must not all be zero"};
  return {mix, {}};
}

}  // namespace dialer::sim
