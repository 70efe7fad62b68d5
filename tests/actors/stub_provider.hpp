#pragma once

// A stub provider gateway and an inline job runner for the deterministic actor tests.

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/engine_context.hpp"
#include "actors/messages.hpp"

namespace dialer::actors::test {

/// Runs blocking jobs on the spot, in the calling actor's turn.
class inline_runner final : public job_runner {
 public:
  void post(std::function<void()> job) override { job(); }
};

/// What the stub provider saw and how it answers.
struct provider_script {
  std::vector<dial_attempt> dials;         ///< every create request, in order
  std::set<id_t> live;                     ///< attempt ids placed and not yet ended by the test
  std::size_t peak = 0;                    ///< most calls live at once
  std::map<id_t, unsigned> answer_status;  ///< attempt id -> status to answer (default 201)
  std::vector<id_t> syncs;                 ///< attempts asked about (get-call / list-calls)
  std::vector<id_t> freed;                 ///< lines the call actors gave back
  std::vector<id_t> taken;                 ///< lines of calls followed again (restart, adoption)
  std::vector<provider_account> accounts;  ///< new settings the registry sent (own accounts)
  std::string call_id_of(id_t attempt) const { return "call_" + std::to_string(attempt); }
};

/// A provider gateway that answers at once as `script` says and records what it was asked.
inline caf::behavior stub_gateway(caf::event_based_actor* self, provider_script* script) {
  return {
      [=](dial_atom, const dial_attempt& a) {
        script->dials.push_back(a);
        dial_result r;
        auto it = script->answer_status.find(a.attempt_id);
        r.status = it == script->answer_status.end() ? 201 : it->second;
        // A timed-out create (status 0) may still have placed the call, as here.
        if (r.status == 201 || r.status == 0) {
          script->live.insert(a.attempt_id);
          script->peak = std::max(script->peak, script->live.size());
        }
        if (r.status == 201) {
          provider_call c;
          c.call_id = script->call_id_of(a.attempt_id);
          c.call_status = "registered";
          r.call = c;
        }
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), dial_result_atom::value, r);
      },
      [=](line_freed_atom, id_t attempt_id) { script->freed.push_back(attempt_id); },
      [=](line_taken_atom, const dial_attempt& a) { script->taken.push_back(a.attempt_id); },
      [=](sync_atom, const dial_attempt& a, const std::string&) {
        script->syncs.push_back(a.attempt_id);
        sync_result r;
        r.answered = true;
        if (script->live.count(a.attempt_id)) {
          provider_call c;
          c.call_id = script->call_id_of(a.attempt_id);
          c.call_status = "ongoing";
          c.attempt_id = a.attempt_id;
          r.call = c;
        }
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), synced_atom::value, r);
      },
      [=](account_atom, const provider_account& account) { script->accounts.push_back(account); },
  };
}

}  // namespace dialer::actors::test
