#pragma once

#include <string>
#include <vector>

#include "retell_sim/outcome_mix.hpp"
#include "retell_sim/random_source.hpp"
#include "retell_sim/sim_call.hpp"
#include "retell_sim/sim_settings.hpp"

namespace dialer::sim {

/// How one simulated call will unfold, decided when it is created.
struct call_plan {
  call_outcome outcome = call_outcome::answered;
  bool connects = false;    ///< answered or voicemail: goes ongoing, gets call_started
  double ring_seconds = 0;  ///< simulated time from create to connect or give-up
  double talk_seconds = 0;  ///< simulated time connected; 0 when it never connects
  std::string end_status;   ///< "ended" or "not_connected"
  std::string disconnection_reason;
  std::vector<transcript_line> transcript;
  call_analysis analysis;
};

/// Plans a call with the given outcome; timing follows `settings` (ring and mean length).
/// Answered calls last 0.25x..1.75x the mean (capped at 1 h, then max_duration_reached);
/// voicemail messages 0.1x..0.3x of it, at least 5 s.
call_plan plan_call(call_outcome outcome, const sim_settings& settings, random_source& random);

/// Samples an outcome from the settings' mix, then plans the call.
call_plan plan_random_call(const sim_settings& settings, random_source& random);

/// The cost of a connected call of `seconds` length (cents, proportional to the length).
call_cost cost_of_call(double seconds);

/// The transcript as text: "Agent: ...\nUser: ..." for the first `lines` turns.
std::string transcript_text(const std::vector<transcript_line>& transcript, std::size_t lines);

}  // namespace dialer::sim
