#include "retell_sim/call_script.hpp"

#include <algorithm>
#include <cmath>

namespace dialer::sim {
namespace {

constexpr double max_call_seconds = 3600;

// Per-second prices in cents, in the range of Retell's published per-minute rates.
struct price {
  const char* product;
  double cents_per_second;
};
constexpr price prices[] = {
    {"retell_platform", 7.0 / 60},
    {"elevenlabs_tts", 0.7 / 60},
    {"gpt_4o_mini", 0.6 / 60},
    {"retell_twilio", 1.5 / 60},
};

double round_cents(double v) {
  return std::round(v * 10000) / 10000;
}

std::vector<transcript_line> answered_script(random_source& random, bool successful) {
  std::vector<transcript_line> lines = {
      {"agent", "Hi, this is Ava calling from Sim Dental. Am I speaking with the account holder?"},
      {"user", "Yes, speaking."},
      {"agent", "Great. You are due for a check-up. Would you like to book an appointment?"},
  };
  if (successful) {
    lines.push_back({"user", "Sure, next Tuesday morning works for me."});
    lines.push_back({"agent", "You are booked for Tuesday at nine. Thank you and goodbye!"});
  } else if (random.chance(0.5)) {
    lines.push_back({"user", "No thanks, I am not interested."});
    lines.push_back({"agent", "Understood. Have a nice day."});
  } else {
    lines.push_back({"user", "Can you call me back another time?"});
    lines.push_back({"agent", "Of course, we will reach out later. Goodbye."});
  }
  return lines;
}

}  // namespace

call_cost cost_of_call(double seconds) {
  call_cost cost;
  cost.total_duration_seconds = std::round(std::max(0.0, seconds));
  for (const price& p : prices) {
    product_cost line{p.product, round_cents(p.cents_per_second),
                      round_cents(p.cents_per_second * cost.total_duration_seconds)};
    cost.combined_cost += line.cost;
    cost.total_duration_unit_price += line.unit_price;
    cost.product_costs.push_back(std::move(line));
  }
  cost.combined_cost = round_cents(cost.combined_cost);
  cost.total_duration_unit_price = round_cents(cost.total_duration_unit_price);
  return cost;
}

call_plan plan_call(call_outcome outcome, const sim_settings& settings, random_source& random) {
  call_plan plan;
  plan.outcome = outcome;
  const double ring = settings.ring_seconds;
  const double mean = settings.mean_call_seconds;
  switch (outcome) {
    case call_outcome::answered: {
      plan.connects = true;
      plan.ring_seconds = ring * random.between(0.1, 0.6);
      plan.talk_seconds = std::max(1.0, mean * random.between(0.25, 1.75));
      plan.end_status = "ended";
      if (plan.talk_seconds >= max_call_seconds) {
        plan.talk_seconds = max_call_seconds;
        plan.disconnection_reason = "max_duration_reached";
      } else {
        plan.disconnection_reason = random.chance(0.5) ? "user_hangup" : "agent_hangup";
      }
      const bool successful = random.chance(0.6);
      plan.transcript = answered_script(random, successful);
      plan.analysis.call_successful = successful;
      plan.analysis.in_voicemail = false;
      plan.analysis.user_sentiment = successful           ? "Positive"
                                     : random.chance(0.5) ? "Neutral"
                                                          : "Negative";
      plan.analysis.call_summary =
          successful ? "The agent reached the customer, who booked a check-up for Tuesday."
                     : "The agent reached the customer, who did not book an appointment.";
      break;
    }
    case call_outcome::voicemail:
      plan.connects = true;
      plan.ring_seconds = ring * random.between(0.6, 1.0);
      plan.talk_seconds =
          std::min(max_call_seconds, std::max(5.0, mean * random.between(0.1, 0.3)));
      plan.end_status = "ended";
      plan.disconnection_reason = "voicemail_reached";
      plan.transcript = {
          {"user", "You have reached the voicemail of this number. Please leave a message."},
          {"agent", "Hi, this is Ava from Sim Dental. Please call us back to book your check-up."},
      };
      plan.analysis = {"The call reached voicemail; the agent left a message.", "Unknown", false,
                       true};
      break;
    case call_outcome::no_answer:
      plan.ring_seconds = ring;
      plan.end_status = "not_connected";
      plan.disconnection_reason = "dial_no_answer";
      break;
    case call_outcome::busy:
      plan.ring_seconds = std::min(ring, 3.0) * random.between(0.3, 1.0);
      plan.end_status = "not_connected";
      plan.disconnection_reason = "dial_busy";
      break;
    case call_outcome::failed:
      plan.ring_seconds = std::min(ring, 2.0) * random.between(0.2, 1.0);
      plan.end_status = "not_connected";
      plan.disconnection_reason = "dial_failed";
      break;
  }
  if (!plan.connects)
    plan.analysis = {"The call did not connect (" + plan.disconnection_reason + ").", "Unknown",
                     false, false};
  return plan;
}

call_plan plan_random_call(const sim_settings& settings, random_source& random) {
  call_outcome outcome = settings.mix.pick(random.unit());
  return plan_call(outcome, settings, random);
}

std::string transcript_text(const std::vector<transcript_line>& transcript, std::size_t lines) {
  std::string out;
  lines = std::min(lines, transcript.size());
  for (std::size_t i = 0; i < lines; ++i) {
    if (i) out.push_back('\n');
    out += transcript[i].role == "agent" ? "Agent: " : "User: ";
    out += transcript[i].content;
  }
  return out;
}

}  // namespace dialer::sim
