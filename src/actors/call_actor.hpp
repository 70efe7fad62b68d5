#pragma once

#include <caf/fwd.hpp>

#include "actors/engine_context.hpp"
#include "core/call_progress.hpp"

namespace dialer::actors {

/// How a call actor begins: a fresh attempt to dial, or an attempt already at the provider
/// (after a restart, or a webhook for an attempt no actor followed).
struct call_start {
  dial_attempt attempt;
  std::shared_ptr<const campaign_plan> plan;  ///< the campaign's, shared (never null)
  bool dial_now = true;        ///< false: the provider already has the call
  call_progress progress;      ///< where a followed attempt stands
  std::string provider_call_id;
};

/// Spawns the actor of one attempt, linked to nothing: the campaign monitors it. It reports
/// (call_done_atom, call_report) to `campaign` once the line is free and the lead's next step
/// is committed, then waits for call_analyzed (or a grace period) and quits.
caf::actor spawn_call(caf::event_based_actor* campaign, context_ptr ctx, call_start start);

}  // namespace dialer::actors
