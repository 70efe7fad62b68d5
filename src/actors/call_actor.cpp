#include "actors/call_actor.hpp"

#include <functional>
#include <optional>
#include <utility>

#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "core/lead_outcome.hpp"
#include "core/live_event.hpp"
#include "log/log_event.hpp"

namespace dialer::actors {
namespace {

/// One provider line of a tenant, counted in dialer_active_calls while held.
class counted_line {
 public:
  counted_line() = default;
  counted_line(const counted_line&) = delete;
  counted_line& operator=(const counted_line&) = delete;
  ~counted_line() { release(); }

  /// Counts the line of `tenant_id` until release() (or the end of this object).
  void take(engine_metrics* metrics, id_t tenant_id) {
    release();
    metrics_ = metrics;
    tenant_id_ = tenant_id;
    metrics_->active_calls_add(tenant_id_, 1);
  }
  /// Stops counting the line (once).
  void release() {
    if (metrics_) metrics_->active_calls_add(tenant_id_, -1);
    metrics_ = nullptr;
  }

 private:
  engine_metrics* metrics_ = nullptr;
  id_t tenant_id_ = 0;
};

struct call_state {
  context_ptr ctx;
  caf::actor campaign;
  /// The gateway of the provider account this attempt is placed on (and followed on to its
  /// end, whatever the tenant's settings become meanwhile); null until the registry answered.
  caf::actor gateway;
  call_start start;
  call_progress progress;
  serial_jobs jobs;
  bool reported = false;
  bool line_given_back = false;  ///< gateway, metrics and campaign told the line is free
  bool quit_when_idle = false;
  std::optional<std::int64_t> cost_cents;  ///< the provider's charge, once it says
  /// A refused create (429): how long the gateway holds creates, so the lead waits as long.
  std::optional<std::int64_t> refusal_wait_ms;
  counted_line line;  ///< released with the line, or when the actor ends (even by a crash)
  published_call_events published;  ///< live events already sent for this attempt
  int quiet_checks = 0;  ///< watchdog look-ups so far (each waits longer: watchdog_delay)
  std::uint32_t watchdog_round = 0;  ///< only the latest armed watchdog tick counts
  caf::actor_clock::time_point watchdog_due;  ///< when the next look-up is due
  /// When the armed tick fires (nullopt: none armed). A tick that comes before the look-up is
  /// due arms the next one for the rest: one tick at most waits in CAF's clock per call.
  std::optional<caf::actor_clock::time_point> tick_at;
};

using call_actor = caf::stateful_actor<call_state>;

/// The context fields of this call's log lines.
log::fields call_fields(const call_state& st) {
  const auto& a = st.start.attempt;
  return log::fields()
      .tenant_id(a.tenant_id)
      .campaign_id(a.campaign_id)
      .attempt_id(a.attempt_id)
      .provider_call_id(st.start.provider_call_id);
}

/// Publishes one live call event about this attempt at `progress`.
void publish_call_event(call_actor* self, live_event_type type, const call_progress& progress,
                        const provider_call& call) {
  const auto& st = self->state;
  const auto& a = st.start.attempt;
  publish_event(*st.ctx, a.tenant_id, a.campaign_id, type,
                call_event_fields(type, a, st.start.provider_call_id, progress, call));
}

void quit_if_done(call_actor* self) {
  if (self->state.quit_when_idle && self->state.jobs.idle()) {
    caf::anon_send(self->state.ctx->root, unregister_atom::value,
                   self->state.start.attempt.attempt_id);
    self->quit();
  }
}

/// Gives the call's provider line back, once: to its account's gateway, to the active-call
/// gauge, and to the campaign (which may dial its next lead on it while the close commits).
void give_back_line(call_actor* self) {
  auto& st = self->state;
  if (std::exchange(st.line_given_back, true)) return;
  auto attempt_id = st.start.attempt.attempt_id;
  if (st.gateway) self->send(st.gateway, line_freed_atom::value, attempt_id);
  st.line.release();
  self->send(st.campaign, slot_free_atom::value, attempt_id);
}

/// A verified webhook, not yet committed, that ends the call: the line goes back now. Only
/// for this very call: the provider call id its create got, and the tenant whose own account
/// signed the webhook, if one did.
void on_ending(call_actor* self, const inbound_webhook& w) {
  auto& st = self->state;
  if (w.tenant_id && w.tenant_id != st.start.attempt.tenant_id) return;
  if (st.start.provider_call_id.empty() || w.event.call.call_id != st.start.provider_call_id)
    return;
  if (apply_event(st.progress, w.event).line_released) give_back_line(self);
}

/// Commits the attempt's end and the lead's next step, then tells the campaign. `first` (the
/// progress of the event that ended the call) goes in the same commit, before the close.
void close_and_report(call_actor* self, attempt_state final_state, disposition outcome,
                      std::string error, std::function<void()> first = {}) {
  auto& st = self->state;
  if (st.reported) return;
  st.reported = true;
  if (!st.published.ended) {
    // Ended without a provider event saying so (refused create, in-doubt attempt).
    st.published.ended = true;
    provider_call call;
    call.disconnection_reason = error;
    publish_call_event(self, live_event_type::call_ended,
                       call_progress{final_state, outcome, true, false}, call);
  }
  give_back_line(self);
  const auto& ctx = *st.ctx;
  auto now = ctx.clock->now_ms();
  auto next = outcome == disposition::provider_refused && st.refusal_wait_ms
                  ? next_step_after_refusal(now, *st.refusal_wait_ms)
                  : next_step_after(outcome, st.start.attempt.attempt_no, *st.start.plan, now);
  auto attempt = st.start.attempt;
  auto campaign = st.campaign;
  auto* db = ctx.store;
  auto cost = st.cost_cents;
  st.jobs.add(
      self, ctx,
      [db, attempt, final_state, outcome, error, next, first = std::move(first)] {
        if (first) first();
        db->close_attempt(attempt.tenant_id, attempt.attempt_id, final_state, outcome, error, next);
      },
      [self, campaign, report = call_report{attempt.attempt_id, attempt.lead_id, outcome, cost}] {
        self->send(campaign, call_done_atom::value, report);
      });
  ctx.metrics->outcome(attempt.tenant_id, outcome);
  auto f =
      call_fields(st).add("state", to_string(final_state)).add("disposition", to_string(outcome));
  if (!error.empty()) f.add("error", error);
  log::log_event(log::level::info, "call ended", f);
}

void on_dial_result(call_actor* self, dial_result& r) {
  auto& st = self->state;
  const auto& ctx = *st.ctx;
  if (r.call) {
    ctx.metrics->dial(st.start.attempt.tenant_id, "accepted");
    st.start.provider_call_id = r.call->call_id;
    log::log_event(log::level::info, "dial answered",
                   call_fields(st).add("status", r.status).add("call_status", r.call->call_status));
    st.progress = apply_registered(st.progress);
    auto* db = ctx.store;
    auto a = st.start.attempt;
    auto call_id = r.call->call_id;
    st.jobs.add(self, ctx,
                [db, a, call_id] { db->journal_registered(a.tenant_id, a.attempt_id, call_id); });
    return;
  }
  if (r.status == 0 || r.status == 408 || r.status == 409 || r.status >= 500) {
    // No clear answer: the provider may have placed the call. Never resend the create (no
    // idempotency key); ask for the attempt by its metadata once the provider has settled.
    ctx.metrics->dial(st.start.attempt.tenant_id, "unknown");
    log::log_event(log::level::warn, "dial got no clear answer: reconciling",
                   call_fields(st).add("status", r.status).add("error", r.error));
    st.progress.state = attempt_state::in_doubt;
    self->delayed_send(st.gateway, std::chrono::seconds(1), sync_atom::value, st.start.attempt,
                       std::string());
    return;
  }
  // A refusal: 429 puts the lead back without using an attempt; other 4xx count.
  bool refused = r.status == 429;
  if (refused) st.refusal_wait_ms = r.retry_after_ms;
  ctx.metrics->dial(st.start.attempt.tenant_id, refused ? "refused" : "error");
  log::log_event(log::level::warn, "dial refused",
                 call_fields(st).add("status", r.status).add("error", r.error));
  close_and_report(self, attempt_state::failed,
                   refused ? disposition::provider_refused : disposition::failed,
                   "provider " + std::to_string(r.status) + ": " + r.error);
  st.quit_when_idle = true;
}

/// Arms a watchdog tick for `due`, unless the armed one comes sooner (it then arms the rest).
void arm_tick(call_actor* self, caf::actor_clock::time_point due) {
  auto& st = self->state;
  if (st.tick_at && *st.tick_at <= due) return;
  st.tick_at = due;
  auto now = self->clock().now();
  self->delayed_send(self, due > now ? due - now : caf::actor_clock::duration_type::zero(),
                     watchdog_atom::value, ++st.watchdog_round);
}

/// Schedules the next watchdog look-up (watchdog_delay from now).
void arm_watchdog(call_actor* self) {
  auto& st = self->state;
  bool started = progress_rank(st.progress.state) >= progress_rank(attempt_state::ongoing);
  st.watchdog_due = self->clock().now() +
                    watchdog_delay(st.ctx->options.call_watchdog, st.quiet_checks, started);
  arm_tick(self, st.watchdog_due);
}

/// Applies what the provider said (a webhook, or a snapshot when inbox_id is 0).
void on_event(call_actor* self, const webhook_event& ev, id_t inbox_id) {
  auto& st = self->state;
  const auto& ctx = *st.ctx;
  auto before = st.progress;
  st.progress = apply_event(st.progress, ev);
  // A watchdog's look-up that found the call as it was: nothing to publish or store.
  if (inbox_id == 0 && snapshot_changes_nothing(before, st.progress)) return;
  if (st.progress.state == attempt_state::ongoing && before.state != attempt_state::ongoing) {
    // Started: only call_ended is due now, which takes as long as the conversation.
    st.quiet_checks = 0;
    arm_watchdog(self);
  }
  if (ev.call.cost_cents) st.cost_cents = ev.call.cost_cents;
  for (auto type : next_call_events(st.published, st.progress, ev))
    publish_call_event(self, type, st.progress, ev.call);
  auto* db = ctx.store;
  auto a = st.start.attempt;
  auto state = st.progress.state;
  auto outcome = st.progress.outcome;
  auto progress = [db, a, state, outcome, ev, inbox_id] {
    std::vector<storage::segment_row> segments;
    for (const auto& [role, content] : ev.call.turns)
      segments.push_back({static_cast<std::int32_t>(segments.size()), role, content});
    // One commit stores the transcript turns, records the progress and marks the webhook
    // applied.
    db->together([&] {
      if (!segments.empty()) db->store_segments(a.tenant_id, a.attempt_id, segments);
      db->record_call_progress(a.tenant_id, a.attempt_id, state, outcome, ev.call, inbox_id);
    });
  };
  // The event that frees the line closes the attempt in the same commit: one commit less
  // between a call's end and the next dial on its line.
  if (st.progress.line_released && !st.reported)
    close_and_report(self, st.progress.state, st.progress.outcome,
                     st.progress.state == attempt_state::failed ? ev.call.disconnection_reason : "",
                     std::move(progress));
  else
    st.jobs.add(self, ctx, std::move(progress));
  if (st.progress.analysis_done) {
    st.quit_when_idle = true;
  } else if (st.progress.line_released) {
    self->delayed_send(self, ctx.options.call_grace, grace_atom::value);
  }
}

/// Catches up with the provider for an attempt followed again after a restart.
void on_synced(call_actor* self, sync_result& r) {
  auto& st = self->state;
  if (r.call) {
    if (st.start.provider_call_id.empty()) {
      st.start.provider_call_id = r.call->call_id;
      st.progress = apply_registered(st.progress);
      auto* db = st.ctx->store;
      auto a = st.start.attempt;
      auto call_id = r.call->call_id;
      st.jobs.add(self, *st.ctx,
                  [db, a, call_id] { db->journal_registered(a.tenant_id, a.attempt_id, call_id); });
    }
    on_event(self, event_from_snapshot(*r.call), 0);
    return;
  }
  if (r.answered && st.progress.state == attempt_state::in_doubt) {
    // The provider never received the create: the attempt placed no call, but it still
    // counts, so the lead waits its normal retry delay (DESIGN.md: in_doubt).
    close_and_report(self, attempt_state::failed, disposition::failed, "in_doubt: not at provider");
    st.quit_when_idle = true;
    return;
  }
  if (!r.answered) {
    // The watchdog asks again at its next tick.
    log::log_event(log::level::warn, "cannot reach the provider about the call",
                   call_fields(st).add("error", r.error));
  }
}

/// No webhook released the line in time: ask the provider where the call stands, in case
/// webhooks were lost (engine down, provider retries exhausted).
void on_watchdog(call_actor* self, std::uint32_t round) {
  auto& st = self->state;
  if (round != st.watchdog_round) return;  // a sooner tick replaced this one
  st.tick_at.reset();
  if (st.progress.line_released || st.reported) return;
  if (self->clock().now() < st.watchdog_due) {
    arm_tick(self, st.watchdog_due);
    return;
  }
  bool create_in_flight = st.start.dial_now && st.start.provider_call_id.empty() &&
                          st.progress.state == attempt_state::dialing;
  if (!create_in_flight && st.gateway)
    self->send(st.gateway, sync_atom::value, st.start.attempt, st.start.provider_call_id);
  ++st.quiet_checks;
  arm_watchdog(self);
}

/// Sends the attempt's first request through its gateway: the create, or for an attempt
/// already at the provider, where it stands now.
void begin(call_actor* self) {
  auto& st = self->state;
  if (st.reported) return;  // a webhook ended a followed call before the gateway was known
  if (st.start.dial_now) {
    log::log_event(log::level::info, "dial requested",
                   call_fields(st).add("attempt_no", st.start.attempt.attempt_no));
    self->send(st.gateway, dial_atom::value, st.start.attempt);
  } else {
    log::log_event(log::level::info, "call followed again", call_fields(st));
    // The call may still hold a line of the account: count it there until the line is freed.
    self->send(st.gateway, line_taken_atom::value, st.start.attempt);
    self->send(st.gateway, sync_atom::value, st.start.attempt, st.start.provider_call_id);
  }
}

/// Asks the account registry which gateway places the tenant's calls now (its own account or
/// the platform's), keeps the answer for the whole attempt, then begins.
void resolve_gateway(call_actor* self) {
  auto& st = self->state;
  if (!st.ctx->accounts) {
    st.gateway = st.ctx->gateway;
    begin(self);
    return;
  }
  self->request(st.ctx->accounts, caf::infinite, gateway_atom::value, st.start.attempt.tenant_id)
      .then(
          [=](const caf::actor& gateway) {
            self->state.gateway = gateway;
            begin(self);
          },
          [=](caf::error& err) {
            // Never fall back to the platform: the tenant may have its own account.
            log::log_event(log::level::warn, "no provider gateway for the call yet",
                           call_fields(self->state).add("error", to_string(err)));
            self->delayed_send(self, self->state.ctx->options.storage_retry, resolve_atom::value);
          });
}

caf::behavior call_behavior(call_actor* self, caf::actor campaign, context_ptr ctx,
                            call_start start) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.campaign = std::move(campaign);
  st.start = std::move(start);
  st.progress = st.start.progress;
  // The gateway paces creates per caller number at the rate registered for it.
  st.start.attempt.caller_calls_per_second = st.start.plan->number_calls_per_second.value_or(0);
  st.line.take(st.ctx->metrics, st.start.attempt.tenant_id);
  arm_watchdog(self);
  resolve_gateway(self);
  return {
      [=](resolve_atom) { resolve_gateway(self); },
      [=](dial_result_atom, dial_result& r) {
        on_dial_result(self, r);
        quit_if_done(self);
      },
      [=](webhook_atom, inbound_webhook& w) {
        // Answered, so that root learns when a webhook reached an actor that had already ended.
        on_event(self, w.event, w.inbox_id);
        quit_if_done(self);
        return true;
      },
      [=](ending_atom, const inbound_webhook& w) { on_ending(self, w); },
      [=](synced_atom, sync_result& r) {
        on_synced(self, r);
        quit_if_done(self);
      },
      [=](watchdog_atom, std::uint32_t round) { on_watchdog(self, round); },
      [=](grace_atom) {
        self->state.quit_when_idle = true;
        quit_if_done(self);
      },
      [=](job_done_atom, bool ok) {
        self->state.jobs.on_done(self, *self->state.ctx, ok);
        quit_if_done(self);
      },
      [=](pump_atom) { self->state.jobs.pump(self, *self->state.ctx); },
  };
}

}  // namespace

caf::actor spawn_call(caf::event_based_actor* campaign, context_ptr ctx, call_start start) {
  return campaign->spawn<caf::linked>(call_behavior, caf::actor_cast<caf::actor>(campaign),
                                      std::move(ctx), std::move(start));
}

}  // namespace dialer::actors
