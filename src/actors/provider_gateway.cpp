#include "actors/provider_gateway.hpp"

#include <algorithm>
#include <random>
#include <unordered_map>

#include "actors/messages.hpp"
#include "core/circuit_breaker.hpp"
#include "core/pacing.hpp"
#include "log/log_event.hpp"
#include "retell/provider_api.hpp"

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

using client_ptr = std::shared_ptr<retell::provider_api>;

/// A create waiting in the gateway, and the call actor to answer.
struct held_create {
  dial_attempt attempt;
  caf::actor reply_to;
};

/// A line of the account in use: the client its attempt was dialled (or followed) with, since
/// the account's settings may have changed since, and the call actor holding it.
struct line_in_use {
  client_ptr client;
  caf::actor holder;
};

/// A get-call or list-calls under way, asked again while the provider gives no clear answer.
struct pending_lookup {
  dial_attempt attempt;
  std::string call_id;
  caf::actor reply_to;
  std::int32_t tries = 0;
};

struct gateway_state {
  /// The client of new creates; null when the account's settings cannot be used.
  client_ptr provider;
  client_factory make_client;  ///< rebuilds `provider` when the settings change (own accounts)
  const clock_source* clock = nullptr;
  engine_metrics* metrics = nullptr;
  gateway_options options;
  circuit_breaker breaker{5, 2'000, 60'000};
  /// Creates waiting, paced per caller number; `held` has what each queued id stands for.
  caller_dial_queue queue;
  std::unordered_map<std::uint64_t, held_create> held;
  std::uint64_t next_create = 0;
  /// Lines of this account in use, by attempt id; `holders` maps each call actor holding one
  /// (monitored) back to its attempt.
  std::unordered_map<id_t, line_in_use> lines;
  std::unordered_map<caf::actor_addr, id_t> holders;
  /// Lines the account may use at once; nullopt until the provider said (get-concurrency).
  std::optional<std::int64_t> limit;
  /// Counts the account settings in use (own accounts change them); an answer about older
  /// settings is ignored.
  std::uint64_t generation = 0;
  std::int32_t concurrency_failures = 0;
  /// After a 429 on a create: no create leaves before this instant.
  epoch_ms creates_held_until = 0;
  std::int32_t refusals_in_a_row = 0;
  std::unordered_map<std::uint64_t, pending_lookup> lookups;
  std::uint64_t next_lookup = 0;
  epoch_ms wake_at = 0;  ///< when the armed wake-up fires; 0: none armed
  std::mt19937_64 jitter_rng;
};

using gateway_actor = caf::stateful_actor<gateway_state>;

/// Publishes the account's lines in use and its limit (after every change of either).
void report_lines(gateway_actor* self) {
  auto& st = self->state;
  st.metrics->account_lines(st.options.account, static_cast<double>(st.lines.size()),
                            static_cast<double>(st.limit.value_or(0)));
}

double jitter(gateway_actor* self) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(self->state.jitter_rng);
}

/// The provider's Retry-After as a wait from now (our clock), when it sent one.
std::optional<std::int64_t> retry_after_ms(const retell::provider_reply& r,
                                           const clock_source& clock) {
  if (!r.retry_after) return std::nullopt;
  return r.retry_after->wait_ms(clock.now_ms());
}

/// Counts the attempt's line against the account, held by `holder` (monitored, so that a
/// call actor that ends without freeing its line still frees it).
void take_line(gateway_actor* self, id_t attempt_id, client_ptr client, caf::actor holder) {
  auto& st = self->state;
  auto& line = st.lines[attempt_id];
  if (line.holder && line.holder != holder) {
    st.holders.erase(line.holder.address());
    self->demonitor(line.holder);
  }
  line.client = std::move(client);
  if (holder && line.holder != holder) {
    st.holders[holder.address()] = attempt_id;
    self->monitor(holder);
  }
  line.holder = std::move(holder);
  report_lines(self);
}

void free_line(gateway_actor* self, id_t attempt_id) {
  auto& st = self->state;
  auto it = st.lines.find(attempt_id);
  if (it == st.lines.end()) return;
  if (it->second.holder) {
    st.holders.erase(it->second.holder.address());
    self->demonitor(it->second.holder);
  }
  st.lines.erase(it);
  report_lines(self);
}

bool lines_free(const gateway_state& st) {
  return st.limit && static_cast<std::int64_t>(st.lines.size()) < *st.limit;
}

void send_create(gateway_actor* self, held_create h) {
  auto& st = self->state;
  const auto& a = h.attempt;
  take_line(self, a.attempt_id, st.provider, h.reply_to);
  auto seconds_since = [now = st.clock->now_ms()](epoch_ms t) {
    return static_cast<double>(std::max<epoch_ms>(now - t, 0)) / 1000.0;
  };
  if (a.decided_at > 0) st.metrics->dispatch_latency_seconds(seconds_since(a.decided_at));
  if (a.line_freed_at > 0) st.metrics->slot_refill_seconds(seconds_since(a.line_freed_at));
  auto me = caf::actor_cast<caf::actor>(self);
  auto attempt_id = a.attempt_id;
  const auto* clock = st.clock;
  st.provider->create_phone_call(
      to_request(a), [me, reply_to = std::move(h.reply_to), attempt_id, clock](
                         retell::provider_reply r, std::optional<provider_call> c) {
        dial_result res;
        res.status = r.status;
        res.retryable = r.retryable();
        res.retry_after_ms = retry_after_ms(r, *clock);
        res.error = std::move(r.error);
        if (r.ok() && c && !c->call_id.empty()) res.call = std::move(c);
        // Through the gateway, which keeps the breaker's count and the holds, then to the call.
        caf::anon_send(me, dial_result_atom::value, attempt_id, reply_to, std::move(res));
      });
}

/// Wakes the gateway at `at` unless an earlier wake-up is armed already.
void arm_wake(gateway_actor* self, epoch_ms at) {
  auto& st = self->state;
  if (st.wake_at != 0 && st.wake_at <= at) return;
  st.wake_at = at;
  auto delay = std::max<epoch_ms>(at - st.clock->now_ms(), 1);
  self->delayed_send(self, std::chrono::milliseconds(delay), wake_atom::value, at);
}

/// Sends the waiting creates the account may take now, then arms a wake-up for the first
/// instant a held create may go when only time holds it (a line freed or the limit learnt
/// drains again by itself).
void drain(gateway_actor* self) {
  auto& st = self->state;
  auto now = st.clock->now_ms();
  if (!st.provider) {
    for (auto id : st.queue.take_all()) {
      auto h = std::move(st.held.at(id));
      st.held.erase(id);
      dial_result refused;
      refused.status = 400;
      refused.error = "the provider account's settings cannot be used";
      self->send(h.reply_to, dial_result_atom::value, std::move(refused));
    }
  }
  while (!st.queue.empty() && lines_free(st) && now >= st.creates_held_until &&
         st.breaker.would_allow(now)) {
    auto id = st.queue.take_ready(now);
    if (!id) break;
    st.breaker.allow(now);
    auto h = std::move(st.held.at(*id));
    st.held.erase(*id);
    send_create(self, std::move(h));
  }
  st.metrics->creates_waiting(st.options.account, static_cast<double>(st.queue.size()));
  if (st.queue.empty() || !lines_free(st)) return;
  if (now < st.creates_held_until) {
    arm_wake(self, st.creates_held_until);
  } else if (st.breaker.current(now) == circuit_breaker::state::open) {
    arm_wake(self, st.breaker.reopens_at());
  } else if (st.breaker.would_allow(now)) {
    if (auto at = st.queue.next_ready_at(now)) arm_wake(self, *at);
  }
  // Otherwise a probe is in flight: its answer drains.
}

/// Asks the provider for the account's concurrency limit (the current settings' client).
void read_concurrency(gateway_actor* self) {
  auto& st = self->state;
  if (!st.provider) return;  // creates are refused anyway until the settings are usable
  auto me = caf::actor_cast<caf::actor>(self);
  auto generation = st.generation;
  const auto* clock = st.clock;
  st.provider->get_concurrency(
      [me, generation, clock](retell::provider_reply r, std::int64_t, std::int64_t limit) {
        concurrency_answer a;
        a.generation = generation;
        a.status = r.status;
        a.limit = limit;
        a.retry_after_ms = retry_after_ms(r, *clock);
        a.error = std::move(r.error);
        caf::anon_send(me, concurrency_atom::value, std::move(a));
      });
}

void on_concurrency(gateway_actor* self, const concurrency_answer& a) {
  auto& st = self->state;
  if (a.generation != st.generation || st.limit) return;
  if (a.status >= 200 && a.status < 300 && a.limit > 0) {
    st.limit = a.limit;
    st.concurrency_failures = 0;
    log::log_event(log::level::info, "provider account concurrency limit read",
                   log::fields().add("account", st.options.account).add("limit", a.limit));
    report_lines(self);
    drain(self);
    return;
  }
  auto wait = provider_retry_wait(a.retry_after_ms, ++st.concurrency_failures, jitter(self),
                                  st.options.backoff);
  log::log_event(log::level::warn,
                 "cannot read the provider account's concurrency limit: nothing is dialled yet",
                 log::fields()
                     .add("account", st.options.account)
                     .add("status", a.status)
                     .add("error", a.status >= 200 && a.status < 300 ? "no usable limit" : a.error)
                     .add("retry_in_ms", wait));
  st.metrics->provider_retry("get_concurrency");
  self->delayed_send(self, std::chrono::milliseconds(wait), concurrency_atom::value, st.generation);
}

/// Sends (or sends again) look-up `id` to the provider.
void ask(gateway_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto& p = st.lookups.at(id);
  ++p.tries;
  // An attempt dialled or followed here is asked about on the account it was placed on;
  // one without a line (followed by an actor of an older run), on the current settings.
  auto line = st.lines.find(p.attempt.attempt_id);
  client_ptr provider = line != st.lines.end() ? line->second.client : st.provider;
  if (!provider) {
    sync_result none;
    none.error = "no usable provider account";
    self->send(p.reply_to, synced_atom::value, std::move(none));
    st.lookups.erase(id);
    return;
  }
  auto me = caf::actor_cast<caf::actor>(self);
  const auto* clock = st.clock;
  auto deliver = [me, id, clock](retell::provider_reply r, std::optional<provider_call> c) {
    lookup_answer a;
    a.lookup_id = id;
    a.status = r.status;
    a.retry_after_ms = retry_after_ms(r, *clock);
    // 422 is how the provider says "no such call".
    a.result.answered = r.ok() || r.status == 422 || r.status == 404;
    if (r.ok()) a.result.call = std::move(c);
    a.result.error = std::move(r.error);
    caf::anon_send(me, lookup_answer_atom::value, std::move(a));
  };
  if (!p.call_id.empty()) {
    provider->get_call(p.call_id, std::move(deliver));
    return;
  }
  provider->list_calls_by_metadata(
      "attempt_id", std::to_string(p.attempt.attempt_id),
      [deliver = std::move(deliver)](retell::provider_reply r, std::vector<provider_call> calls) {
        std::optional<provider_call> found;
        if (!calls.empty()) found = std::move(calls.front());
        if (r.ok() && !found) r.status = 404;
        deliver(std::move(r), std::move(found));
      });
}

void on_lookup_answer(gateway_actor* self, lookup_answer& a) {
  auto& st = self->state;
  auto it = st.lookups.find(a.lookup_id);
  if (it == st.lookups.end()) return;
  auto& p = it->second;
  if (is_retryable_provider_status(a.status) && p.tries < st.options.lookup_tries) {
    auto wait = provider_retry_wait(a.retry_after_ms, p.tries, jitter(self), st.options.backoff);
    st.metrics->provider_retry(p.call_id.empty() ? "list_calls" : "get_call");
    self->delayed_send(self, std::chrono::milliseconds(wait), lookup_retry_atom::value,
                       a.lookup_id);
    return;
  }
  self->send(p.reply_to, synced_atom::value, std::move(a.result));
  st.lookups.erase(it);
}

void on_dial_result(gateway_actor* self, id_t attempt_id, const caf::actor& reply_to,
                    dial_result& res) {
  auto& st = self->state;
  auto now = st.clock->now_ms();
  bool provider_failed = res.status == 0 || res.status >= 500;
  if (provider_failed)
    st.breaker.on_failure(now);
  else
    st.breaker.on_success();
  if (res.status == 429) {
    // Nothing was placed; no create leaves before the provider's Retry-After (or a backoff
    // growing with refusals in a row), and the lead waits as long.
    auto wait = provider_retry_wait(res.retry_after_ms, ++st.refusals_in_a_row, jitter(self),
                                    st.options.backoff);
    if (now >= st.creates_held_until)
      log::log_event(log::level::warn, "provider refused a create: creates wait",
                     log::fields().add("account", st.options.account).add("wait_ms", wait));
    st.creates_held_until = std::max(st.creates_held_until, now + wait);
    res.retry_after_ms = wait;
  } else if (res.call) {
    st.refusals_in_a_row = 0;
  }
  // An answer that may hide a placed call (none, 408, 409, 5xx) keeps its line until the call
  // actor has reconciled the attempt and frees it; a refused one holds none.
  bool unclear = provider_failed || res.status == 408 || res.status == 409;
  if (!res.call && !unclear) free_line(self, attempt_id);
  self->send(reply_to, dial_result_atom::value, std::move(res));
  drain(self);
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
  auto& st = self->state;
  st.provider = std::move(provider);
  st.make_client = std::move(make_client);
  st.clock = clock;
  st.options = std::move(options);
  st.metrics = metrics;
  st.jitter_rng.seed(st.options.jitter_seed != 0 ? st.options.jitter_seed : std::random_device{}());
  if (st.options.account_concurrency > 0)
    st.limit = st.options.account_concurrency;
  else
    read_concurrency(self);
  report_lines(self);
  self->set_down_handler([=](caf::down_msg& dm) {
    // A call actor ended without freeing its line (it failed): free it now.
    auto& s = self->state;
    auto it = s.holders.find(dm.source);
    if (it == s.holders.end()) return;
    auto attempt_id = it->second;
    s.holders.erase(it);
    auto line = s.lines.find(attempt_id);
    if (line != s.lines.end() && line->second.holder.address() == dm.source) {
      s.lines.erase(line);
      report_lines(self);
      drain(self);
    }
  });
  return {
      [=](dial_atom, const dial_attempt& a) {
        auto& s = self->state;
        auto id = ++s.next_create;
        double rate = a.caller_calls_per_second > 0 ? a.caller_calls_per_second
                                                    : s.options.default_calls_per_second;
        s.held.emplace(id, held_create{a, caf::actor_cast<caf::actor>(self->current_sender())});
        s.queue.push(id, a.from_number, rate);
        drain(self);
      },
      [=](dial_result_atom, id_t attempt_id, const caf::actor& reply_to, dial_result& res) {
        on_dial_result(self, attempt_id, reply_to, res);
      },
      [=](line_taken_atom, const dial_attempt& a) {
        // Followed again (restart, adoption): the call holds a line of this account.
        take_line(self, a.attempt_id, self->state.provider,
                  caf::actor_cast<caf::actor>(self->current_sender()));
      },
      [=](line_freed_atom, id_t attempt_id) {
        free_line(self, attempt_id);
        drain(self);
      },
      [=](wake_atom, epoch_ms at) {
        if (self->state.wake_at == at) self->state.wake_at = 0;
        drain(self);
      },
      [=](concurrency_atom, const concurrency_answer& a) { on_concurrency(self, a); },
      [=](concurrency_atom, std::uint64_t generation) {
        if (generation == self->state.generation && !self->state.limit) read_concurrency(self);
      },
      [=](account_atom, const provider_account& account) {
        // The tenant changed its settings: new creates use the new client; lines in use keep
        // theirs. The breaker's count, a 429's hold and a limit read from the provider were
        // about the old settings.
        auto& s = self->state;
        if (!s.make_client) return;
        s.provider = client_for(self, account);
        ++s.generation;
        s.breaker.on_success();
        s.creates_held_until = 0;
        s.refusals_in_a_row = 0;
        if (s.options.account_concurrency <= 0) {
          s.limit.reset();
          s.concurrency_failures = 0;
          read_concurrency(self);
          report_lines(self);
        }
        drain(self);
      },
      [=](sync_atom, const dial_attempt& a, const std::string& call_id) {
        auto& s = self->state;
        auto id = ++s.next_lookup;
        s.lookups.emplace(
            id, pending_lookup{a, call_id, caf::actor_cast<caf::actor>(self->current_sender()), 0});
        ask(self, id);
      },
      [=](lookup_answer_atom, lookup_answer& a) { on_lookup_answer(self, a); },
      [=](lookup_retry_atom, std::uint64_t id) {
        if (self->state.lookups.count(id)) ask(self, id);
      },
  };
}

}  // namespace

caf::actor spawn_provider_gateway(caf::actor_system& sys, retell::provider_api& provider,
                                  const clock_source& clock, gateway_options options,
                                  engine_metrics& metrics) {
  // The platform client belongs to main and outlives the engine: not owned here.
  client_ptr platform(&provider, [](retell::provider_api*) {});
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
