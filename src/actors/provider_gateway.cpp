#include "actors/provider_gateway.hpp"

#include "actors/messages.hpp"
#include "retell/client.hpp"

namespace dialer::actors {
namespace {

retell::create_call_request to_request(const dial_attempt& a) {
  retell::create_call_request req;
  req.from_number = a.from_number;
  req.to_number = a.to_number;
  req.override_agent_id = a.provider_agent_id;
  req.metadata = {{"attempt_id", std::to_string(a.attempt_id)},
                  {"tenant_id", std::to_string(a.tenant_id)},
                  {"campaign_id", std::to_string(a.campaign_id)},
                  {"lead_id", std::to_string(a.lead_id)}};
  return req;
}

caf::behavior gateway(caf::event_based_actor* self, retell::client* provider) {
  return {
      [=](dial_atom, const dial_attempt& a) {
        auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        provider->create_phone_call(
            to_request(a), [reply_to](retell::provider_reply r, std::optional<provider_call> c) {
              dial_result res;
              res.status = r.status;
              res.retryable = r.retryable();
              res.retry_after_s = r.retry_after_s;
              res.error = std::move(r.error);
              if (r.ok() && c && !c->call_id.empty()) res.call = std::move(c);
              caf::anon_send(reply_to, dial_result_atom::value, std::move(res));
            });
      },
      [=](sync_atom, const dial_attempt& a, const std::string& call_id) {
        auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        auto answer = [reply_to](retell::provider_reply r, std::optional<provider_call> c) {
          sync_result res;
          // 422 is how the provider says "no such call".
          res.answered = r.ok() || r.status == 422 || r.status == 404;
          if (r.ok()) res.call = std::move(c);
          res.error = std::move(r.error);
          caf::anon_send(reply_to, synced_atom::value, std::move(res));
        };
        if (!call_id.empty()) {
          provider->get_call(call_id, answer);
          return;
        }
        provider->list_calls_by_metadata(
            "attempt_id", std::to_string(a.attempt_id),
            [answer](retell::provider_reply r, std::vector<provider_call> calls) {
              std::optional<provider_call> found;
              if (!calls.empty()) found = std::move(calls.front());
              if (r.ok() && !found) r.status = 404;
              answer(std::move(r), std::move(found));
            });
      },
  };
}

}  // namespace

caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::client& provider) {
  return sys.spawn(gateway, &provider);
}

}  // namespace dialer::actors
