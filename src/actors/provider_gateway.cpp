#include "actors/provider_gateway.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "actors/messages.hpp"
#include "core/circuit_breaker.hpp"
#include "log/log_event.hpp"
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

using client_ptr = std::shared_ptr<retell::client>;

struct gateway_state {
  /// The client of new creates; null when the account's settings cannot be used.
  client_ptr provider;
  client_factory make_client;  ///< rebuilds `provider` when the settings change (own accounts)
  const clock_source* clock = nullptr;
  engine_metrics* metrics = nullptr;
  gateway_options options;
  circuit_breaker breaker{5, 2'000, 60'000};
  std::deque<std::pair<dial_attempt, caf::actor>> waiting;  ///< held while failing or full
  /// Attempts dialled through here whose line is in use, and the client each was dialled with
  /// (the account's settings may have changed since).
  std::unordered_map<id_t, client_ptr> lines;
  bool wake_armed = false;
};

using gateway_actor = caf::stateful_actor<gateway_state>;

/// Publishes the account's lines in use (after every change of `lines`).
void report_lines(gateway_actor* self) {
  auto& st = self->state;
  st.metrics->account_lines(st.options.account, static_cast<double>(st.lines.size()),
                            static_cast<double>(st.options.account_concurrency));
}

/// True when the provider may take another create now.
bool may_dial(gateway_actor* self) {
  auto& st = self->state;
  if (st.options.account_concurrency > 0 &&
      static_cast<std::int64_t>(st.lines.size()) >= st.options.account_concurrency)
    return false;
  return st.breaker.allow(st.clock->now_ms());
}

void send_create(gateway_actor* self, const dial_attempt& a, caf::actor reply_to) {
  auto& st = self->state;
  if (!st.provider) {
    dial_result refused;
    refused.status = 400;
    refused.error = "the provider account's settings cannot be used";
    self->send(reply_to, dial_result_atom::value, std::move(refused));
    return;
  }
  st.lines[a.attempt_id] = st.provider;
  report_lines(self);
  if (a.decided_at > 0 && st.metrics)
    st.metrics->dispatch_latency_seconds(
        static_cast<double>(std::max<epoch_ms>(st.clock->now_ms() - a.decided_at, 0)) / 1000.0);
  auto me = caf::actor_cast<caf::actor>(self);
  auto attempt_id = a.attempt_id;
  st.provider->create_phone_call(
      to_request(a),
      [me, reply_to, attempt_id](retell::provider_reply r, std::optional<provider_call> c) {
        dial_result res;
        res.status = r.status;
        res.retryable = r.retryable();
        res.retry_after_s = r.retry_after_s;
        res.error = std::move(r.error);
        if (r.ok() && c && !c->call_id.empty()) res.call = std::move(c);
        // Through the gateway, which keeps the breaker's count, then on to the call.
        caf::anon_send(me, dial_result_atom::value, attempt_id, reply_to, std::move(res));
      });
}

/// Sends held creates while the provider takes them; otherwise looks again later.
void drain(gateway_actor* self) {
  auto& st = self->state;
  while (!st.waiting.empty() && may_dial(self)) {
    auto [attempt, reply_to] = std::move(st.waiting.front());
    st.waiting.pop_front();
    send_create(self, attempt, reply_to);
  }
  if (!st.waiting.empty() && !st.wake_armed) {
    st.wake_armed = true;
    auto now = st.clock->now_ms();
    auto at = std::max<epoch_ms>(st.breaker.reopens_at(), now + 50);
    self->delayed_send(self, std::chrono::milliseconds(at - now), wake_atom::value);
  }
}

/// The client of an own account's new settings; null (logged, key never shown) when unusable.
client_ptr client_for(gateway_actor* self, const provider_account& account) {
  try {
    return self->state.make_client(account);
  } catch (const std::exception& e) {
    log::log_event(
        log::level::error, "provider account unusable: its calls are refused",
        log::fields().add("account", self->state.options.account).add("error", e.what()));
    return nullptr;
  }
}

caf::behavior gateway(gateway_actor* self, client_ptr provider, client_factory make_client,
                      const clock_source* clock, gateway_options options, engine_metrics* metrics) {
  self->state.provider = std::move(provider);
  self->state.make_client = std::move(make_client);
  self->state.clock = clock;
  self->state.options = options;
  self->state.metrics = metrics;
  report_lines(self);
  return {
      [=](dial_atom, const dial_attempt& a) {
        auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        if (self->state.waiting.empty() && may_dial(self)) {
          send_create(self, a, reply_to);
          return;
        }
        self->state.waiting.emplace_back(a, reply_to);
        drain(self);
      },
      [=](dial_result_atom, id_t attempt_id, const caf::actor& reply_to, dial_result& res) {
        auto& st = self->state;
        bool provider_failed = res.status == 0 || res.status >= 500;
        if (provider_failed)
          st.breaker.on_failure(st.clock->now_ms());
        else
          st.breaker.on_success();
        // A refused create holds no line; an unclear one may, until the call actor says.
        if (!res.call && !provider_failed) {
          st.lines.erase(attempt_id);
          report_lines(self);
        }
        self->send(reply_to, dial_result_atom::value, std::move(res));
        drain(self);
      },
      [=](line_freed_atom, id_t attempt_id) {
        self->state.lines.erase(attempt_id);
        report_lines(self);
        drain(self);
      },
      [=](wake_atom) {
        self->state.wake_armed = false;
        drain(self);
      },
      [=](account_atom, const provider_account& account) {
        // The tenant changed its settings: new creates use the new client; lines in use keep
        // theirs. The breaker's count was about the old settings.
        if (!self->state.make_client) return;
        self->state.provider = client_for(self, account);
        self->state.breaker.on_success();
        drain(self);
      },
      [=](sync_atom, const dial_attempt& a, const std::string& call_id) {
        auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        // An attempt dialled here is asked about on the account it was dialled on; one
        // followed again after a restart, on the account's current settings.
        auto line = self->state.lines.find(a.attempt_id);
        client_ptr provider = line != self->state.lines.end() ? line->second : self->state.provider;
        auto answer = [reply_to](retell::provider_reply r, std::optional<provider_call> c) {
          sync_result res;
          // 422 is how the provider says "no such call".
          res.answered = r.ok() || r.status == 422 || r.status == 404;
          if (r.ok()) res.call = std::move(c);
          res.error = std::move(r.error);
          caf::anon_send(reply_to, synced_atom::value, std::move(res));
        };
        if (!provider) {
          answer(retell::provider_reply{0, std::nullopt, "no usable provider account"},
                 std::nullopt);
          return;
        }
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

caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::client& provider,
                                  const clock_source& clock, gateway_options options,
                                  engine_metrics& metrics) {
  // The platform client belongs to main and outlives the engine: not owned here.
  client_ptr platform(&provider, [](retell::client*) {});
  return sys.spawn(gateway, std::move(platform), client_factory{}, &clock, std::move(options),
                   &metrics);
}

caf::actor spawn_own_gateway(caf::event_based_actor* parent, client_factory make_client,
                             const provider_account& account, const clock_source& clock,
                             gateway_options options, engine_metrics& metrics) {
  return parent->spawn<caf::linked>([make_client, account, &clock, options = std::move(options),
                                     &metrics](gateway_actor* self) mutable {
    self->state.make_client = make_client;
    self->state.options = options;
    auto first = client_for(self, account);
    return gateway(self, std::move(first), std::move(make_client), &clock, std::move(options),
                   &metrics);
  });
}

}  // namespace dialer::actors
