#include "actors/campaign_actor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "actors/call_actor.hpp"
#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "core/budget_ledger.hpp"
#include "core/campaign_lifecycle.hpp"
#include "core/lead_outcome.hpp"
#include "core/pacing.hpp"
#include "storage/campaigns.hpp"

namespace dialer::actors {
namespace {

/// The budget amounts and the status a campaign actor has added to the engine's gauges.
struct reported_gauges {
  double spent = 0;
  double reserved = 0;
  std::string status;  ///< empty: none yet
};

/// A dial journalled ahead of a free line (a standby), sent the moment one frees.
struct standby_dial {
  dial_attempt attempt;
  dial_subject subject;  ///< the facts it was decided on, to decide again when it fires
  epoch_ms armed_at = 0;
};

struct campaign_state {
  context_ptr ctx;
  id_t tenant_id = 0;
  id_t campaign_id = 0;
  /// Shared read-only with the campaign's call actors (one copy, not one per call).
  std::shared_ptr<const campaign_plan> plan;
  campaign_status status = campaign_status::running;
  std::deque<dial_candidate> hopper;
  std::unordered_set<id_t> held_leads;   ///< in the hopper or in flight
  std::unordered_map<id_t, id_t> calls;  ///< attempt id -> lead id, one per line in use
  std::unordered_map<caf::actor_addr, id_t> call_actors;  ///< actor -> attempt id
  std::int32_t slots_used = 0;                            ///< journalling + calls in flight
  /// Calls in flight whose provider call has ended, not yet reported (their close is being
  /// committed): their lines are free for the next dial already.
  std::unordered_set<id_t> freed_early;
  bool refilling = false;
  bool more_due = true;   ///< the last refill was full
  bool checking = false;  ///< a completion check is under way
  bool wake_pending = false;
  /// The compliance rules every dial of this campaign is decided under.
  std::shared_ptr<const campaign_rule_book> rules;
  /// The tenant's rule version `rules` was compiled at (engine_context::rule_versions).
  std::uint64_t rules_version = 0;
  bool reloading_rules = false;  ///< a newer rule book is being compiled
  /// Dials per rolling hour and local day (only when the campaign caps them).
  std::optional<call_rate_limit> rate;
  /// Leads whose gate and journal job is under way (they count against the rate caps).
  std::int32_t journaling = 0;
  /// The campaign's budget (only when it has one).
  std::optional<budget_ledger> budget;
  /// Money held per lead being journalled or in a call.
  std::unordered_map<id_t, budget_hold> holds;
  bool stats_pending = false;  ///< a campaign.stats snapshot is due shortly
  /// What this actor last wrote to the budget and status gauges (taken back when it ends).
  std::shared_ptr<reported_gauges> reported;
  bool budget_warned = false;     ///< budget.warn published for the current budget
  bool budget_exhausted = false;  ///< budget.exhausted published for the current budget
  /// The tenant actor (the parent), which shares the tenant's lines and monthly budget.
  caf::actor tenant;
  std::int32_t tenant_lines = 0;      ///< lines the tenant granted and no dial used yet
  std::int64_t tenant_line_cost = 0;  ///< what each of those lines holds of the tenant budget
  bool asking_tenant = false;         ///< a request for lines is under way
  /// A call settled while a request for lines was under way: a refusal may be stale.
  bool ask_again = false;
  std::unordered_map<id_t, std::int64_t> tenant_held;  ///< lead id -> tenant budget held
  /// When each freed line not yet taken by a dial was freed (for the refill latency).
  std::deque<epoch_ms> lines_freed_at;
  /// Dials journalled ahead, oldest first (their leads are in held_leads, their money in holds).
  std::deque<standby_dial> standby;
  std::int32_t arming = 0;           ///< standby journal writes under way
  epoch_ms last_line_freed_at = 0;   ///< when a line of this campaign was last freed
  double line_free_interval_ms = 0;  ///< mean interval between freed lines (0: unknown)
};

/// Notes a freed line for the mean interval between them (how many standbys pay off).
void note_line_freed(campaign_state& st, epoch_ms now) {
  if (st.last_line_freed_at > 0)
    st.line_free_interval_ms =
        next_free_interval(st.line_free_interval_ms, now - st.last_line_freed_at);
  st.last_line_freed_at = now;
}

/// True when no call, dial or standby write of the campaign is under way: it may quit.
bool idle(const campaign_state& st) {
  return st.slots_used == 0 && st.arming == 0;
}

using campaign_actor = caf::stateful_actor<campaign_state>;

void dispatch(campaign_actor* self);
void set_status(campaign_actor* self, campaign_status to);
void report_budget(campaign_actor* self);
void publish_campaign_status(campaign_actor* self, campaign_status status);
void request_campaign_stats(campaign_actor* self);
void publish_campaign_stats(campaign_actor* self);
void stop_for_budget(campaign_actor* self, std::string_view block);
void withdraw_standbys(campaign_actor* self, const lead_next_step& next, const std::string& why);
void withdraw_unsent(campaign_actor* self, const dial_attempt& a, const lead_next_step& next,
                     const std::string& why);

/// A lead's next step when its campaign closes with `reason` before its standby was sent.
lead_next_step cancelled_step(std::string reason) {
  lead_next_step next;
  next.status = lead_status::cancelled;
  next.counts_as_attempt = false;
  next.terminal_reason = std::move(reason);
  return next;
}

/// The campaign's dates and DNC setting, as the compliance decision takes them.
campaign_facts facts_of(const campaign_plan& plan) {
  campaign_facts campaign;
  campaign.starts_at = plan.start_at;
  campaign.ends_at = plan.end_at;
  campaign.exclude_dnc = plan.exclude_dnc;
  return campaign;
}

/// The name of the first check that blocked a decision (its reason when none is marked).
std::string blocked_check_of(const compliance_decision& d) {
  for (std::size_t i = 0; i < compliance_check_count; ++i)
    if (d.checks[i] == check_status::blocked)
      return std::string(to_string(static_cast<compliance_check>(i)));
  return std::string(to_string(d.reason));
}

/// Asks the tenant for up to `want` lines; the answer resumes dispatching.
void ask_tenant(campaign_actor* self, std::int32_t want) {
  auto& st = self->state;
  if (st.asking_tenant || want <= 0) return;
  st.asking_tenant = true;
  auto cost = st.plan->est_cost_per_call_cents;
  self->request(st.tenant, caf::infinite, lines_atom::value, want, cost)
      .then(
          [self, cost](const line_grant& g) {
            auto& s = self->state;
            s.asking_tenant = false;
            bool settled_meanwhile = std::exchange(s.ask_again, false);
            s.tenant_lines += g.lines;
            s.tenant_line_cost = cost;
            // Refused lines: freed lines wait for the tenant's cap or budget, untimed.
            if (g.lines == 0 && !settled_meanwhile) s.lines_freed_at.clear();
            if (g.lines == 0 && settled_meanwhile) {
              // The tenant answered before it heard of that settlement: ask again.
              dispatch(self);
              return;
            }
            if (g.lines == 0 && g.refused == tenant_refusal::budget) {
              // Calls in flight may give money back when they settle: wait for them. With
              // none, the tenant's month budget cannot hold another call of this campaign.
              if (s.slots_used == 0) stop_for_budget(self, "tenant_budget");
              return;
            }
            // Refused for the tenant's cap: the tenant says when lines free up.
            if (g.lines > 0) dispatch(self);
          },
          [self](caf::error&) { self->state.asking_tenant = false; });
}

/// Gives the tenant back the lines granted but not used.
void return_unused_lines(campaign_actor* self) {
  auto& st = self->state;
  if (st.tenant_lines <= 0) return;
  self->send(st.tenant, release_atom::value, st.tenant_lines, st.tenant_lines * st.tenant_line_cost,
             std::int64_t{0});
  st.tenant_lines = 0;
}

/// Gives the tenant back the line a lead used, with what its call cost (nullopt: the hold).
void release_tenant_line(campaign_actor* self, id_t lead_id, std::optional<std::int64_t> cost) {
  auto& st = self->state;
  auto it = st.tenant_held.find(lead_id);
  if (it == st.tenant_held.end()) return;
  auto held = it->second;
  st.tenant_held.erase(it);
  self->send(st.tenant, release_atom::value, std::int32_t{1}, held, cost.value_or(held));
}

/// Counts calls followed again (after a restart or adopted) against the tenant's lines; sent
/// even for none after a plan load, so a restarted campaign's retained lines are settled.
void take_tenant_lines(campaign_actor* self, const std::vector<id_t>& lead_ids) {
  auto& st = self->state;
  auto cost = st.plan->est_cost_per_call_cents;
  for (auto lead : lead_ids) st.tenant_held[lead] = cost;
  self->send(st.tenant, take_atom::value, static_cast<std::int32_t>(lead_ids.size()), cost);
}

void refill(campaign_actor* self) {
  auto& st = self->state;
  if (st.refilling || !st.plan) return;
  st.refilling = true;
  auto ctx = st.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  std::vector<id_t> exclude(st.held_leads.begin(), st.held_leads.end());
  auto tenant = st.tenant_id;
  auto campaign = st.campaign_id;
  auto batch = ctx->options.hopper_batch;
  run_blocking(
      *ctx,
      [ctx, me, tenant, campaign, batch, exclude] {
        candidates_batch b;
        b.leads = ctx->store->next_dial_candidates(tenant, campaign, ctx->clock->now_ms(), batch,
                                                   exclude);
        b.more = static_cast<std::int32_t>(b.leads.size()) >= batch;
        if (b.leads.empty()) b.earliest_pending = ctx->store->earliest_pending_at(tenant, campaign);
        caf::anon_send(me, candidates_atom::value, std::move(b));
      },
      [me] {
        caf::anon_send(me, candidates_atom::value, candidates_batch{{}, std::nullopt, true});
      });
}

void sleep_until(campaign_actor* self, std::optional<epoch_ms> at) {
  auto& st = self->state;
  if (st.wake_pending) return;
  auto now = st.ctx->clock->now_ms();
  auto cap = st.ctx->options.idle_recheck;
  auto wait = at ? std::chrono::milliseconds(std::max<epoch_ms>(*at - now, 10)) : cap;
  st.wake_pending = true;
  self->delayed_send(self, std::min(wait, cap), wake_atom::value);
}

/// When nothing is in flight or queued, asks the journal whether any lead is still open.
void check_completion(campaign_actor* self) {
  auto& st = self->state;
  if (st.checking || st.refilling || !idle(st) || !st.hopper.empty() || !st.standby.empty() ||
      st.status != campaign_status::running)
    return;
  st.checking = true;
  auto ctx = st.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto tenant = st.tenant_id;
  auto campaign = st.campaign_id;
  run_blocking(
      *ctx,
      [ctx, me, tenant, campaign] {
        open_leads o;
        o.open = ctx->store->open_lead_count(tenant, campaign);
        if (o.open > 0) o.earliest_pending = ctx->store->earliest_pending_at(tenant, campaign);
        if (o.open == 0)
          ctx->store->transition_campaign(tenant, campaign, campaign_status::running,
                                          campaign_status::completed);
        caf::anon_send(me, open_count_atom::value, o);
      },
      [me] {
        caf::anon_send(me, open_count_atom::value, open_leads{1, std::nullopt});
      });
}

void start_call(campaign_actor* self, call_start start) {
  auto& st = self->state;
  auto attempt_id = start.attempt.attempt_id;
  st.calls[attempt_id] = start.attempt.lead_id;
  st.held_leads.insert(start.attempt.lead_id);
  auto call = spawn_call(self, st.ctx, std::move(start));
  st.call_actors[call.address()] = attempt_id;
  // Registered from here, not by the call itself, so that root sees the registration before
  // any webhook this campaign forwards afterwards.
  self->send(st.ctx->root, register_atom::value, attempt_id, call);
}

/// The end date passed: no new dial; pending leads close; calls in flight finish.
void end_by_date(campaign_actor* self) {
  auto& st = self->state;
  auto from = st.status;
  set_status(self, campaign_status::completed);
  for (auto& lead : st.hopper) st.held_leads.erase(lead.lead_id);
  st.hopper.clear();
  auto c = st.ctx;
  auto tenant = st.tenant_id;
  auto campaign = st.campaign_id;
  spdlog::info("campaign {} reached its end date", campaign);
  publish_campaign_status(self, campaign_status::completed);
  run_blocking(*c, [c, tenant, campaign, from] {
    c->store->cancel_pending_leads(tenant, campaign, "end_date_reached");
    c->store->transition_campaign(tenant, campaign, from, campaign_status::completed);
  });
  withdraw_standbys(self, cancelled_step("end_date_reached"), "withdrawn: end date reached");
  if (idle(st)) self->quit();
}

/// A scheduled campaign: start dialling at start_at (or end at once when already past end_at).
void check_schedule(campaign_actor* self) {
  auto& st = self->state;
  switch (gate_at(*st.plan, st.ctx->clock->now_ms())) {
    case date_gate::wait_for_start:
      sleep_until(self, st.plan->start_at);
      return;
    case date_gate::past_end:
      end_by_date(self);
      return;
    case date_gate::open: {
      auto c = st.ctx;
      auto me = caf::actor_cast<caf::actor>(self);
      auto tenant = st.tenant_id;
      auto campaign = st.campaign_id;
      run_blocking(*c, [c, me, tenant, campaign] {
        if (c->store->transition_campaign(tenant, campaign, campaign_status::scheduled,
                                          campaign_status::running)) {
          caf::anon_send(me, status_atom::value,
                         campaign_update{tenant, campaign, campaign_status::running});
          publish_event(*c, tenant, campaign, live_event_type::campaign_status,
                        campaign_status_fields(campaign, campaign_status::running));
        }
      });
      return;
    }
  }
}

/// A dial the rate caps hold back: until when, and which cap.
struct rate_hold {
  epoch_ms until = 0;
  rate_limit_kind cap = rate_limit_kind::none;
};

/// When the rate caps refuse a dial at `now` (counting dials being journalled), the first
/// instant they may allow one; nullopt when a dial may start.
std::optional<rate_hold> rate_wait(const campaign_state& st, epoch_ms now) {
  if (!st.rate) return std::nullopt;
  auto admission = st.rate->check(now);
  if (!admission.allowed) return rate_hold{admission.next_at, admission.blocked_by};
  const auto& plan = *st.plan;
  if (plan.max_calls_per_hour &&
      st.rate->calls_last_hour(now) + st.journaling >= *plan.max_calls_per_hour)
    return rate_hold{now + 1000, rate_limit_kind::per_hour};
  if (plan.max_calls_per_day &&
      st.rate->calls_today(now) + st.journaling >= *plan.max_calls_per_day)
    return rate_hold{now + 1000, rate_limit_kind::per_day};
  return std::nullopt;
}

/// Logs and publishes (once per budget) a threshold crossed by a reservation or a
/// settlement, and brings the budget gauges up to date.
void on_budget_signal(campaign_actor* self, budget_signal signal) {
  auto& st = self->state;
  report_budget(self);
  bool warn = signal == budget_signal::warning && !st.budget_warned;
  bool exhausted = signal == budget_signal::exhausted && !st.budget_exhausted;
  if (!warn && !exhausted) return;
  const auto& b = *st.budget;
  if (warn) {
    st.budget_warned = true;
    spdlog::warn("campaign {} (tenant {}) reached 80% of its budget: {} spent, {} reserved of {}",
                 st.campaign_id, st.tenant_id, b.spent(), b.reserved(), b.budget());
  } else {
    st.budget_warned = true;
    st.budget_exhausted = true;
    spdlog::warn("campaign {} (tenant {}) exhausted its budget of {} cents", st.campaign_id,
                 st.tenant_id, b.budget());
  }
  event_fields data = {{"campaign_id", st.campaign_id},
                       {"budget_cents", b.budget()},
                       {"spent_cents", b.spent()},
                       {"reserved_cents", b.reserved()}};
  publish_event(*st.ctx, st.tenant_id, st.campaign_id,
                warn ? live_event_type::budget_warn : live_event_type::budget_exhausted,
                std::move(data));
}

/// The budget cannot hold another call: no new dial; the campaign pauses (calls in flight
/// finish) until its budget is raised and it is resumed.
void stop_for_budget(campaign_actor* self, std::string_view block) {
  auto& st = self->state;
  if (st.status != campaign_status::running) return;
  set_status(self, campaign_status::paused);
  if (block == "budget") st.ctx->metrics->dispatch_blocked(st.tenant_id, block);
  for (auto& lead : st.hopper) st.held_leads.erase(lead.lead_id);
  st.hopper.clear();
  withdraw_standbys(self, next_step_due_again(st.ctx->clock->now_ms()),
                    "withdrawn: campaign paused");
  auto c = st.ctx;
  auto tenant = st.tenant_id;
  auto campaign = st.campaign_id;
  run_blocking(*c, [c, tenant, campaign] {
    if (c->store->transition_campaign(tenant, campaign, campaign_status::running,
                                      campaign_status::paused))
      publish_event(*c, tenant, campaign, live_event_type::campaign_status,
                    campaign_status_fields(campaign, campaign_status::paused));
  });
}

/// A dial's journal write failed. Its commit may have happened all the same (the connection
/// dropped during COMMIT): the lead would then be in progress with an attempt no actor follows
/// until the next restart. So the journal is read back: an open attempt of the lead is
/// answered as in doubt (followed, never dialled); none, as no attempt.
void find_dial_after_failed_write(const engine_context& ctx, const caf::actor& me,
                                  const campaign_plan& plan, id_t lead_id, bool standby) {
  auto c = ctx.store;
  auto tenant = plan.tenant_id;
  auto campaign = plan.id;
  auto answer = [me, lead_id, standby](std::optional<dial_attempt> attempt) {
    journal_result r;
    r.lead_id = lead_id;
    r.in_doubt = attempt.has_value();
    r.attempt = std::move(attempt);
    r.standby = standby;
    caf::anon_send(me, journaled_atom::value, std::move(r));
  };
  run_blocking(
      ctx,
      [c, tenant, campaign, lead_id, answer] {
        for (auto& open : c->open_attempts(tenant, campaign))
          if (open.attempt.lead_id == lead_id && open.state == attempt_state::dialing) {
            answer(std::move(open.attempt));
            return;
          }
        answer(std::nullopt);
      },
      [answer] { answer(std::nullopt); });
}

/// The campaign's rule book as stored now: country rules, its tenant's overrides and its own
/// calling windows. Reads the store: call from a job.
std::shared_ptr<const campaign_rule_book> compile_rule_book(const engine_context& ctx,
                                                            const campaign_plan& plan) {
  const auto& policy = *ctx.policy;
  return std::make_shared<const campaign_rule_book>(
      policy.compile(ctx.store->rule_overrides(plan.tenant_id),
                     campaign_windows_of(policy.decoders(), plan.calling_windows_json)));
}

/// True when the tenant's rules changed after the campaign's book was compiled.
bool rules_stale(const campaign_state& st) {
  return st.ctx->rule_versions->of(st.tenant_id) != st.rules_version;
}

/// Compiles the campaign's rule book again (its tenant's rules changed); answers rules_atom.
void reload_rules(campaign_actor* self) {
  auto& st = self->state;
  if (st.reloading_rules || !st.plan) return;
  st.reloading_rules = true;
  auto ctx = st.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto plan = st.plan;
  run_blocking(
      *ctx,
      [ctx, me, plan] {
        rules_loaded r;
        r.version = ctx->rule_versions->of(plan->tenant_id);
        r.rules = compile_rule_book(*ctx, *plan);
        caf::anon_send(me, rules_atom::value, std::move(r));
      },
      [me] { caf::anon_send(me, rules_atom::value, rules_loaded{}); });
}

/// Decides for *now* and journals the dial in one storage job; answers journaled_atom. A
/// `standby` is journalled ahead of a free line, behind the writes of dials about to be sent.
void journal_behind_gate(campaign_actor* self, const dial_candidate& lead, epoch_ms line_freed_at,
                         bool standby = false) {
  auto& st = self->state;
  auto ctx = st.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto plan = st.plan;
  auto rules = st.rules;
  auto rules_version = st.rules_version;
  // Filled by the job (again if its group runs again); sent once the dial is durable.
  auto result = std::make_shared<journal_result>();
  run_write(
      *ctx,
      [ctx, plan, lead, rules, rules_version, result, line_freed_at, standby] {
        auto campaign = facts_of(*plan);
        const auto* policy = ctx->policy;
        // The tenant's rules changed after the campaign compiled its book: this dial is
        // decided under the new ones, whether or not the campaign has its new book yet.
        auto book = ctx->rule_versions->of(plan->tenant_id) == rules_version
                        ? rules
                        : compile_rule_book(*ctx, *plan);
        journal_result r;
        r.lead_id = lead.lead_id;
        r.standby = standby;
        auto gate = [&](const dial_subject& subject) {
          if (standby) r.subject = subject;
          return policy->decide(*book, subject, campaign, ctx->clock->now_ms());
        };
        auto now = ctx->clock->now_ms();
        // A standby may go out up to standby_max_age later: its number's caps count it from
        // then, so that no later decision sees it leave a rolling period before it should.
        auto dialled_by =
            standby ? now + static_cast<epoch_ms>(ctx->options.standby_max_age.count()) : now;
        auto gated = ctx->store->journal_dialing(*plan, lead, now - book->attempt_lookback_ms,
                                                 now, gate, dialled_by);
        r.attempt = std::move(gated.attempt);
        if (r.attempt) r.attempt->line_freed_at = line_freed_at;
        if (gated.verdict && !gated.verdict->decision.allowed) {
          r.block_reason = std::string(to_string(gated.verdict->decision.reason));
          r.blocked_check = blocked_check_of(gated.verdict->decision);
        }
        *result = std::move(r);
      },
      [ctx, me, result] {
        // A durable standby is in the engine's book until sent or withdrawn.
        if (result->standby && result->attempt) ctx->standbys->add(*result->attempt);
        caf::anon_send(me, journaled_atom::value, std::move(*result));
      },
      [ctx, me, plan, lead, standby] {
        find_dial_after_failed_write(*ctx, me, *plan, lead.lead_id, standby);
      },
      standby ? storage::write_lane::ordinary : storage::write_lane::urgent);
}

/// Lets go of a lead that will not be dialled now: the money held for it goes back and a
/// refill may pick it again.
void let_go_of_lead(campaign_actor* self, id_t lead_id) {
  auto& st = self->state;
  if (auto h = st.holds.find(lead_id); h != st.holds.end()) {
    if (st.budget) st.budget->release(h->second);
    st.holds.erase(h);
    report_budget(self);
  }
  st.held_leads.erase(lead_id);
}

/// Withdraws a standby that will not be sent: its attempt closes without counting and its lead
/// takes `next`; the money it held goes back.
void withdraw_standby(campaign_actor* self, const standby_dial& s, const lead_next_step& next,
                      const std::string& why) {
  let_go_of_lead(self, s.attempt.lead_id);
  withdraw_unsent(self, s.attempt, next, why);
}

/// Journals the withdrawal of a standby never sent (its attempt back to planned, not counting;
/// its lead takes `next`), then takes it out of the engine's book.
void withdraw_unsent(campaign_actor* self, const dial_attempt& a, const lead_next_step& next,
                     const std::string& why) {
  auto ctx = self->state.ctx;
  ctx->metrics->standby_dial("withdrawn");
  auto me = caf::actor_cast<caf::actor>(self);
  run_write(
      *ctx,
      [ctx, a, next, why] { ctx->store->withdraw_attempt(a.tenant_id, a.attempt_id, why, next); },
      [ctx, me, id = a.attempt_id] {
        ctx->standbys->take(id);
        // Its lead may be due again now: the campaign looks for it.
        caf::anon_send(me, wake_atom::value);
      },
      [ctx, a] {
        // Kept in the book: the engine withdraws it when it stops (else a restart finds it in
        // doubt).
        ctx->standbys->add(a);
        spdlog::warn("withdrawing standby attempt {} failed", a.attempt_id);
      });
}

void withdraw_standbys(campaign_actor* self, const lead_next_step& next, const std::string& why) {
  auto& st = self->state;
  auto waiting = std::move(st.standby);
  st.standby.clear();
  for (const auto& s : waiting) withdraw_standby(self, s, next, why);
  // Their leads are due again (unless cancelled): the next refill looks for them.
  if (!waiting.empty()) st.more_due = true;
}

/// Sends the oldest standby on a line that is free now, once the compliance decision taken
/// again for this instant (on the facts read when it was journalled) still allows it; withdraws
/// it otherwise. True when it was sent.
bool fire_standby(campaign_actor* self) {
  auto& st = self->state;
  auto s = std::move(st.standby.front());
  st.standby.pop_front();
  auto now = st.ctx->clock->now_ms();
  if (rules_stale(st)) {
    // Decided under rules the tenant has changed since: journalled again under the new ones.
    withdraw_standby(self, s, next_step_due_again(now), "withdrawn: compliance rules changed");
    st.more_due = true;
    reload_rules(self);
    return false;
  }
  auto verdict = st.ctx->policy->decide(*st.rules, s.subject, facts_of(*st.plan), now);
  auto step = standby_step_at(verdict.decision, s.armed_at, now,
                              static_cast<epoch_ms>(st.ctx->options.standby_max_age.count()));
  if (!step.fire) {
    if (!verdict.decision.allowed)
      st.ctx->metrics->dispatch_blocked(st.tenant_id, blocked_check_of(verdict.decision));
    withdraw_standby(self, s, step.next, step.reason);
    return false;
  }
  if (!st.ctx->standbys->take(s.attempt.attempt_id)) {
    // Taken out of the book by someone else (a lead edited through the API, the engine
    // stopping), who withdraws it: never sent from here.
    let_go_of_lead(self, s.attempt.lead_id);
    st.more_due = true;
    return false;
  }
  s.attempt.decided_at = now;  // compliance allowed it again just now
  st.ctx->metrics->standby_dial("sent");
  --st.tenant_lines;
  st.tenant_held[s.attempt.lead_id] = st.tenant_line_cost;
  ++st.slots_used;
  if (st.rate) st.rate->record(now);
  if (!st.lines_freed_at.empty()) {
    s.attempt.line_freed_at = st.lines_freed_at.front();
    st.lines_freed_at.pop_front();
  }
  call_start start;
  start.attempt = std::move(s.attempt);
  start.plan = st.plan;
  start_call(self, std::move(start));
  return true;
}

/// While every line is busy, journals dials ahead (up to options.standby_dials), so that a
/// freed line's next create need not wait for a journal commit.
void arm_standbys(campaign_actor* self) {
  auto& st = self->state;
  const auto& o = st.ctx->options;
  auto want = static_cast<std::size_t>(
      standby_target(o.standby_dials, st.plan->max_concurrent_calls,
                     static_cast<epoch_ms>(o.standby_max_age.count()), st.line_free_interval_ms));
  while (st.standby.size() + static_cast<std::size_t>(st.arming) < want && !st.hopper.empty()) {
    std::optional<budget_hold> hold;
    if (st.budget) {
      auto reservation = st.budget->reserve(st.plan->est_cost_per_call_cents);
      if (!reservation.hold) return;  // the money is for dials on free lines first
      on_budget_signal(self, reservation.signal);
      hold = reservation.hold;
    }
    auto lead = st.hopper.front();
    st.hopper.pop_front();
    if (hold) st.holds[lead.lead_id] = *hold;
    ++st.arming;
    journal_behind_gate(self, lead, 0, true);
  }
}

/// Dials due leads while the cap, the rates, the tenant's lines and the budget allow.
void dial_due_leads(campaign_actor* self) {
  auto& st = self->state;
  if (!st.plan || !st.rules) return;
  if (dials(st.status)) {
    auto gate = gate_at(*st.plan, st.ctx->clock->now_ms());
    if (gate == date_gate::past_end) {
      end_by_date(self);
      return;
    }
    if (gate == date_gate::wait_for_start) {
      sleep_until(self, st.plan->start_at);
      return;
    }
  }
  auto lines_used = [&st] {
    return st.slots_used - static_cast<std::int32_t>(st.freed_early.size());
  };
  while (dials(st.status) && lines_used() < st.plan->max_concurrent_calls &&
         (!st.hopper.empty() || !st.standby.empty())) {
    auto now = st.ctx->clock->now_ms();
    if (auto held = rate_wait(st, now)) {
      // Calls being journalled will wake the campaign; otherwise sleep until the cap allows.
      if (st.journaling == 0) {
        if (!st.wake_pending)
          st.ctx->metrics->dispatch_blocked(
              st.tenant_id, held->cap == rate_limit_kind::per_day ? "daily_cap" : "hourly_cap");
        sleep_until(self, held->until);
      }
      break;
    }
    if (st.tenant_lines == 0) {
      auto want =
          std::min<std::int64_t>(st.plan->max_concurrent_calls - lines_used(),
                                 static_cast<std::int64_t>(st.hopper.size() + st.standby.size()));
      ask_tenant(self, static_cast<std::int32_t>(want));
      break;
    }
    // A standby already holds its money: it goes out now, or is withdrawn and the next tried.
    if (!st.standby.empty()) {
      fire_standby(self);
      continue;
    }
    std::optional<budget_hold> hold;
    if (st.budget) {
      auto reservation = st.budget->reserve(st.plan->est_cost_per_call_cents);
      if (!reservation.hold) {
        // Calls in flight may give money back when they settle: wait for them. With none, the
        // budget cannot hold another call.
        if (!st.holds.empty()) break;
        on_budget_signal(self, budget_signal::exhausted);
        stop_for_budget(self, "budget");
        return;
      }
      on_budget_signal(self, reservation.signal);
      hold = reservation.hold;
    }
    auto lead = st.hopper.front();
    st.hopper.pop_front();
    if (hold) st.holds[lead.lead_id] = *hold;
    --st.tenant_lines;
    st.tenant_held[lead.lead_id] = st.tenant_line_cost;
    ++st.slots_used;
    ++st.journaling;
    epoch_ms line_freed_at = 0;
    if (!st.lines_freed_at.empty()) {
      line_freed_at = st.lines_freed_at.front();
      st.lines_freed_at.pop_front();
    }
    journal_behind_gate(self, lead, line_freed_at);
  }
  if (dials(st.status) && lines_used() >= st.plan->max_concurrent_calls) arm_standbys(self);
  return_unused_lines(self);
  if (dials(st.status) && st.hopper.empty()) {
    if (st.more_due)
      refill(self);
    else
      check_completion(self);
  }
}

void dispatch(campaign_actor* self) {
  dial_due_leads(self);
  // A refill is timed only when a lead takes the freed line at once (or once the tenant grants
  // a line): a line left idle by a cap, the budget or no lead due waits on nothing of ours.
  if (!self->state.asking_tenant) self->state.lines_freed_at.clear();
}

/// Replaces the lead's hold by what the call cost (the hold itself when the provider did not
/// say).
void settle_budget(campaign_actor* self, id_t lead_id, std::optional<std::int64_t> cost_cents) {
  auto& st = self->state;
  auto it = st.holds.find(lead_id);
  if (it == st.holds.end() || !st.budget) return;
  auto hold = it->second;
  st.holds.erase(it);
  on_budget_signal(self, st.budget->settle(hold, cost_cents.value_or(hold.amount_cents)));
}

void line_freed(campaign_actor* self, id_t attempt_id, std::optional<std::int64_t> cost_cents) {
  auto& st = self->state;
  auto it = st.calls.find(attempt_id);
  if (it == st.calls.end()) return;
  release_tenant_line(self, it->second, cost_cents);
  if (st.asking_tenant) st.ask_again = true;
  st.held_leads.erase(it->second);
  st.calls.erase(it);
  if (st.freed_early.erase(attempt_id) == 0) note_line_freed(st, st.ctx->clock->now_ms());
  --st.slots_used;
  request_campaign_stats(self);
  // A freed line may make a retry due soon: look again rather than trust the last refill.
  st.more_due = true;
  if (finished(st.status) && idle(st)) {
    self->quit();
    return;
  }
  if (st.status == campaign_status::scheduled) {
    check_schedule(self);
    return;
  }
  dispatch(self);
}

/// A standby's journal write is done: kept until a line frees (sent at once when one is free
/// already), withdrawn when the campaign stopped dialling meanwhile; blocked by compliance or
/// no longer pending, its money goes back.
void on_standby_journaled(campaign_actor* self, journal_result& r) {
  auto& st = self->state;
  --st.arming;
  if (!r.attempt) {
    if (!r.blocked_check.empty()) st.ctx->metrics->dispatch_blocked(st.tenant_id, r.blocked_check);
    let_go_of_lead(self, r.lead_id);
  } else if (r.in_doubt) {
    // Journalled by a write that reported failure: followed as in doubt, never sent.
    ++st.slots_used;
    take_tenant_lines(self, {r.lead_id});
    call_start start;
    start.attempt = std::move(*r.attempt);
    start.plan = st.plan;
    start.dial_now = false;
    start.progress.state = attempt_state::in_doubt;
    start_call(self, std::move(start));
  } else {
    st.standby.push_back(
        standby_dial{std::move(*r.attempt), std::move(r.subject), st.ctx->clock->now_ms()});
    if (!dials(st.status)) {
      auto now = st.ctx->clock->now_ms();
      withdraw_standbys(self,
                        st.status == campaign_status::paused ? next_step_due_again(now)
                                                             : cancelled_step("campaign_stopped"),
                        "withdrawn: campaign " + std::string(to_string(st.status)));
    }
  }
  if (finished(st.status) && idle(st)) {
    self->quit();
    return;
  }
  if (dials(st.status)) dispatch(self);
}

/// Loads the campaign's plan and its open attempts; answers (plan_atom, plan_loaded).
void load_plan(campaign_actor* self) {
  auto c = self->state.ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto tenant = self->state.tenant_id;
  auto campaign = self->state.campaign_id;
  run_blocking(
      *c,
      [c, me, tenant, campaign] {
        plan_loaded p;
        p.plan = c->store->load_campaign_plan(tenant, campaign);
        if (p.plan) {
          p.open = c->store->open_attempts(tenant, campaign);
          // The version first: a change committed while compiling makes the book stale.
          p.rules_version = c->rule_versions->of(tenant);
          p.rules = compile_rule_book(*c, *p.plan);
          if (p.plan->max_calls_per_hour || p.plan->max_calls_per_day)
            p.recent_dials =
                c->store->dial_times_since(tenant, campaign, c->clock->now_ms() - ms_per_day);
        }
        caf::anon_send(me, plan_atom::value, std::move(p));
      },
      [me] { caf::anon_send(me, retry_atom::value); });
}

void on_plan(campaign_actor* self, plan_loaded& p) {
  auto& st = self->state;
  if (!p.plan) {
    spdlog::warn("campaign {} not found for tenant {}: actor stops", st.campaign_id, st.tenant_id);
    self->quit();
    return;
  }
  st.plan = std::make_shared<const campaign_plan>(std::move(*p.plan));
  set_status(self, st.plan->status);
  // A standby still in the engine's book was never sent (a previous actor of this campaign
  // journalled it, or its withdrawal has not committed yet): withdrawn again, not followed.
  auto unsent = std::stable_partition(p.open.begin(), p.open.end(), [&](const auto& open) {
    return st.calls.count(open.attempt.attempt_id) ||
           !st.ctx->standbys->take(open.attempt.attempt_id);
  });
  for (auto it = unsent; it != p.open.end(); ++it)
    withdraw_unsent(self, it->attempt, next_step_due_again(st.ctx->clock->now_ms()),
                    "withdrawn: campaign restarted");
  p.open.erase(unsent, p.open.end());
  st.rules = std::move(p.rules);
  st.rules_version = p.rules_version;
  const auto& plan = *st.plan;
  if (plan.max_calls_per_hour || plan.max_calls_per_day) {
    st.rate.emplace(call_rate_limits{plan.max_calls_per_hour, plan.max_calls_per_day},
                    st.ctx->policy->zone(plan.time_zone));
    for (auto t : p.recent_dials) st.rate->record(t);
  } else {
    st.rate.reset();
  }
  if (plan.budget_cents) {
    // In-flight calls keep their holds; calls found open again get one each.
    std::int64_t reserved = 0;
    for (auto& [lead, hold] : st.holds) reserved += hold.amount_cents;
    for (auto& open : p.open)
      if (!st.calls.count(open.attempt.attempt_id) && !st.holds.count(open.attempt.lead_id)) {
        st.holds[open.attempt.lead_id] = budget_hold{plan.est_cost_per_call_cents};
        reserved += plan.est_cost_per_call_cents;
      }
    st.budget.emplace(*plan.budget_cents, plan.spent_cents, reserved);
    st.budget_warned = st.budget->level() != budget_level::normal;
    st.budget_exhausted = st.budget->level() == budget_level::exhausted;
  } else {
    st.budget.reset();
    st.holds.clear();
  }
  report_budget(self);
  std::vector<id_t> followed;
  for (auto& open : p.open)
    if (!st.calls.count(open.attempt.attempt_id)) followed.push_back(open.attempt.lead_id);
  take_tenant_lines(self, followed);
  for (auto& open : p.open) {
    if (st.calls.count(open.attempt.attempt_id)) continue;
    call_start start;
    start.attempt = open.attempt;
    start.plan = st.plan;
    start.dial_now = false;
    start.provider_call_id = open.provider_call_id;
    start.progress.state = open.state;
    ++st.slots_used;
    start_call(self, std::move(start));
  }
  spdlog::info("campaign {} (tenant {}, {}) pacing: cap {}, {} calls followed again",
               st.campaign_id, st.tenant_id, to_string(st.status), st.plan->max_concurrent_calls,
               p.open.size());
  if (finished(st.status) && idle(st)) {
    self->quit();
    return;
  }
  if (st.status == campaign_status::scheduled) {
    check_schedule(self);
    return;
  }
  dispatch(self);
}

caf::behavior campaign_behavior(campaign_actor* self, context_ptr ctx, caf::actor tenant,
                                id_t tenant_id, id_t campaign_id) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.tenant_id = tenant_id;
  st.campaign_id = campaign_id;
  st.reported = std::make_shared<reported_gauges>();
  st.tenant = std::move(tenant);
  self->attach_functor([c = st.ctx, tenant_id, reported = st.reported] {
    // The actor ended: its budget and its status leave the gauges.
    c->metrics->budget_change(tenant_id, -reported->spent, -reported->reserved);
    if (!reported->status.empty()) c->metrics->campaign_status_change(reported->status, "");
  });
  self->set_exit_handler([=](caf::exit_msg& dm) {
    // An exit from anyone but a call (the parent shutting down) ends this campaign too, and
    // the links pass it on to the calls.
    auto& s = self->state;
    auto it = s.call_actors.find(dm.source);
    if (it == s.call_actors.end()) {
      self->quit(dm.reason);
      return;
    }
    auto attempt_id = it->second;
    s.call_actors.erase(it);
    if (dm.reason) {
      // The call actor died before reporting: free its line; the journal keeps the attempt
      // open, and it is followed again when the campaign restarts.
      s.ctx->metrics->actor_restart("call");
      spdlog::error("call actor for attempt {} failed: {}", attempt_id, to_string(dm.reason));
      line_freed(self, attempt_id, std::nullopt);
    }
  });
  load_plan(self);
  return {
      [=](plan_atom, plan_loaded& p) { on_plan(self, p); },
      [=](retry_atom) {
        // Loading the plan failed (database away): try again later.
        self->delayed_send(self, self->state.ctx->options.storage_retry, plan_atom::value);
      },
      [=](plan_atom) { load_plan(self); },
      [=](candidates_atom, candidates_batch& b) {
        auto& s = self->state;
        s.refilling = false;
        s.more_due = b.more;
        for (auto& lead : b.leads)
          if (s.held_leads.insert(lead.lead_id).second) s.hopper.push_back(std::move(lead));
        if (s.hopper.empty() && s.standby.empty() && idle(s)) {
          if (b.earliest_pending || b.more)
            sleep_until(self, b.earliest_pending);
          else
            check_completion(self);
          return;
        }
        dispatch(self);
      },
      [=](journaled_atom, journal_result& r) {
        auto& s = self->state;
        if (r.standby) {
          on_standby_journaled(self, r);
          return;
        }
        --s.journaling;
        if (!r.attempt) {
          // Blocked by compliance (the lead now waits for its next allowed time or is
          // closed), no longer pending, or the journal was unreachable: free the slot.
          if (!r.blocked_check.empty()) {
            spdlog::debug("campaign {}: lead {} blocked ({})", s.campaign_id, r.lead_id,
                          r.block_reason);
            s.ctx->metrics->dispatch_blocked(s.tenant_id, r.blocked_check);
          }
          let_go_of_lead(self, r.lead_id);
          if (auto t = s.tenant_held.find(r.lead_id); t != s.tenant_held.end()) {
            self->send(s.tenant, release_atom::value, std::int32_t{1}, t->second, std::int64_t{0});
            s.tenant_held.erase(t);
          }
          --s.slots_used;
          if (finished(s.status) && idle(s)) {
            self->quit();
            return;
          }
          dispatch(self);
          return;
        }
        if (s.rate) s.rate->record(s.ctx->clock->now_ms());
        call_start start;
        start.attempt = std::move(*r.attempt);
        start.plan = s.plan;
        if (r.in_doubt) {
          // Journalled by a write that reported failure: the create may never go out for
          // it; the provider is asked by attempt id instead, as after a restart.
          spdlog::warn("campaign {}: attempt {} journalled despite a failed write: reconciling",
                       s.campaign_id, start.attempt.attempt_id);
          start.dial_now = false;
          start.progress.state = attempt_state::in_doubt;
        }
        start_call(self, std::move(start));
      },
      [=](slot_free_atom, id_t attempt_id) {
        // The provider call ended: its line may take the next dial now, while the call's close
        // commits (call_done follows, and settles the rest).
        auto& s = self->state;
        if (!s.calls.count(attempt_id) || !s.freed_early.insert(attempt_id).second) return;
        s.lines_freed_at.push_back(s.ctx->clock->now_ms());
        note_line_freed(s, s.ctx->clock->now_ms());
        s.more_due = true;
        if (dials(s.status)) dispatch(self);
      },
      [=](call_done_atom, const call_report& r) {
        settle_budget(self, r.lead_id, r.cost_cents);
        line_freed(self, r.attempt_id, r.cost_cents);
      },
      [=](adopt_atom, orphan_lookup& o) {
        auto& s = self->state;
        if (!o.attempt) return;
        if (!s.plan) {
          // Still loading its plan (just after a restart): root routes the webhook again in a
          // moment, by when this campaign follows the call, or the call is closed.
          self->delayed_send(s.ctx->root, std::chrono::milliseconds(100), webhook_atom::value,
                             std::move(o.webhook));
          return;
        }
        auto attempt_id = o.attempt->attempt.attempt_id;
        if (!s.calls.count(attempt_id)) {
          call_start start;
          start.attempt = o.attempt->attempt;
          start.plan = s.plan;
          start.dial_now = false;
          start.provider_call_id = o.attempt->provider_call_id;
          start.progress.state = o.attempt->state;
          ++s.slots_used;
          take_tenant_lines(self, {o.attempt->attempt.lead_id});
          start_call(self, std::move(start));
        }
        // Sent after start_call's registration, so root now routes it to the call actor.
        self->send(s.ctx->root, webhook_atom::value, std::move(o.webhook));
      },
      [=](open_count_atom, const open_leads& o) {
        auto& s = self->state;
        s.checking = false;
        if (o.open == 0) {
          spdlog::info("campaign {} completed", s.campaign_id);
          set_status(self, campaign_status::completed);
          publish_campaign_status(self, campaign_status::completed);
          if (idle(s)) self->quit();
          return;
        }
        if (idle(s) && s.hopper.empty() && s.standby.empty()) sleep_until(self, o.earliest_pending);
      },
      [=](stats_atom) { publish_campaign_stats(self); },
      [=](recheck_atom) {
        // The tenant's DNC list grew or its rules changed: standbys decided before are
        // withdrawn and journalled again; a stale rule book is compiled again.
        auto& s = self->state;
        withdraw_standbys(self, next_step_due_again(s.ctx->clock->now_ms()),
                          "withdrawn: compliance facts changed");
        if (rules_stale(s)) reload_rules(self);
        if (dials(s.status)) dispatch(self);
      },
      [=](taken_atom, id_t attempt_id) {
        // One of its standbys was taken out of the engine's book and withdrawn (its lead is
        // being edited): the lead is let go, to be decided again on its new facts.
        auto& s = self->state;
        auto it = std::find_if(s.standby.begin(), s.standby.end(), [attempt_id](const auto& sb) {
          return sb.attempt.attempt_id == attempt_id;
        });
        if (it == s.standby.end()) return;  // sent or withdrawn meanwhile
        auto lead = it->attempt.lead_id;
        s.standby.erase(it);
        let_go_of_lead(self, lead);
        s.more_due = true;
        if (dials(s.status)) dispatch(self);
      },
      [=](rules_atom, rules_loaded& r) {
        auto& s = self->state;
        s.reloading_rules = false;
        if (r.rules && r.version >= s.rules_version) {
          s.rules = std::move(r.rules);
          s.rules_version = r.version;
        }
        // Changed again meanwhile (or the store failed: jobs decide under fresh rules until
        // the next try, at the next standby or recheck).
        if (r.rules && rules_stale(s)) reload_rules(self);
        if (dials(s.status)) dispatch(self);
      },
      [=](lines_free_atom) {
        // The tenant has lines again (or read its limits).
        if (dials(self->state.status)) dispatch(self);
      },
      [=](wake_atom) {
        self->state.wake_pending = false;
        self->state.more_due = true;
        if (self->state.status == campaign_status::scheduled && self->state.plan)
          check_schedule(self);
        else
          dispatch(self);
      },
      [=](status_atom, const campaign_update& u) {
        auto& s = self->state;
        if (u.status == s.status) return;
        auto was = s.status;
        set_status(self, u.status);
        if (!dials(u.status))
          withdraw_standbys(self,
                            u.status == campaign_status::cancelled
                                ? cancelled_step("campaign_stopped")
                                : next_step_due_again(s.ctx->clock->now_ms()),
                            "withdrawn: campaign " + std::string(to_string(u.status)));
        if (was == campaign_status::paused && u.status == campaign_status::running) {
          // Resumed: the plan may have been edited while paused (a raised budget, new caps).
          load_plan(self);
          return;
        }
        if (u.status == campaign_status::cancelled) {
          auto c = s.ctx;
          auto tenant = s.tenant_id;
          auto campaign = s.campaign_id;
          for (auto& lead : s.hopper) s.held_leads.erase(lead.lead_id);
          s.hopper.clear();
          run_blocking(*c, [c, tenant, campaign] {
            c->store->cancel_pending_leads(tenant, campaign, "campaign_stopped");
          });
          if (idle(s)) self->quit();
          return;
        }
        dispatch(self);
      },
  };
}

}  // namespace

caf::actor spawn_campaign(caf::event_based_actor* parent, context_ptr ctx, id_t tenant_id,
                          id_t campaign_id) {
  return parent->spawn<caf::linked>(campaign_behavior, std::move(ctx),
                                    caf::actor_cast<caf::actor>(parent), tenant_id, campaign_id);
}

}  // namespace dialer::actors

namespace dialer::actors {
namespace {

/// Moves the actor to status `to` and the campaigns-by-status gauge with it.
void set_status(campaign_actor* self, campaign_status to) {
  auto& st = self->state;
  st.status = to;
  auto name = std::string(to_string(to));
  if (name == st.reported->status) return;
  st.ctx->metrics->campaign_status_change(st.reported->status, name);
  st.reported->status = std::move(name);
}

/// Brings the tenant's budget gauges up to date with this campaign's ledger.
void report_budget(campaign_actor* self) {
  auto& st = self->state;
  double spent = st.budget ? static_cast<double>(st.budget->spent()) : 0;
  double reserved = st.budget ? static_cast<double>(st.budget->reserved()) : 0;
  auto& r = *st.reported;
  if (spent == r.spent && reserved == r.reserved) return;
  st.ctx->metrics->budget_change(st.tenant_id, spent - r.spent, reserved - r.reserved);
  r.spent = spent;
  r.reserved = reserved;
}

// Live events of a campaign (issue 5): its status changes and its stats.

void publish_campaign_status(campaign_actor* self, campaign_status status) {
  const auto& st = self->state;
  publish_event(*st.ctx, st.tenant_id, st.campaign_id, live_event_type::campaign_status,
                campaign_status_fields(st.campaign_id, status));
  if (finished(status)) publish_campaign_stats(self);  // the final counts, before the actor goes
}

/// Asks for a stats snapshot a moment from now, so that a burst of freed lines costs one
/// query; the event hub coalesces further (at most one campaign.stats per second).
void request_campaign_stats(campaign_actor* self) {
  auto& st = self->state;
  if (st.stats_pending || !st.ctx->events) return;  // no hub (actor tests): nobody listens
  st.stats_pending = true;
  self->delayed_send(self, std::chrono::seconds(1), stats_atom::value);
}

/// Reads the campaign's counts on the pool and publishes them as campaign.stats.
void publish_campaign_stats(campaign_actor* self) {
  auto& st = self->state;
  st.stats_pending = false;
  auto c = st.ctx;
  auto tenant = st.tenant_id;
  auto campaign = st.campaign_id;
  run_blocking(*c, [c, tenant, campaign] {
    auto stats = c->store->campaign_stats_of(tenant, campaign, c->clock->now_ms());
    if (!stats) return;
    storage::count_standbys_as_queued(
        *stats, static_cast<std::int64_t>(c->standbys->waiting_in(tenant, campaign)));
    event_fields data = {{"campaign_id", campaign},
                         {"total_leads", stats->total_leads},
                         {"leads_terminal", stats->leads_terminal},
                         {"calls_in_progress", stats->calls_in_progress},
                         {"calls_completed", stats->calls_completed},
                         {"calls_failed", stats->calls_failed},
                         {"calls_queued", stats->calls_queued},
                         {"calls_scheduled", stats->calls_scheduled},
                         {"spent_cents", stats->spent_cents},
                         {"dispositions", named_counts(stats->dispositions)}};
    publish_event(*c, tenant, campaign, live_event_type::campaign_stats, std::move(data));
  });
}

}  // namespace
}  // namespace dialer::actors
