#include "actors/engine.hpp"

#include <spdlog/spdlog.h>

#include "actors/engine_context.hpp"
#include "actors/engine_root.hpp"
#include "actors/engine_store.hpp"
#include "actors/event_hub.hpp"
#include "actors/messages.hpp"
#include "actors/provider_accounts.hpp"
#include "actors/provider_gateway.hpp"
#include "core/call_progress.hpp"
#include "core/lead_outcome.hpp"
#include "retell/client.hpp"
#include "storage/campaigns.hpp"
#include "storage/dial_journal.hpp"
#include "storage/group_commit.hpp"
#include "storage/webhook_inbox.hpp"

namespace dialer::actors {

struct engine::impl {
  storage::database& db;
  retell::client& provider;
  provider_client_factory own_accounts;
  const clock_source& clock;
  engine_metrics& metrics;
  const compliance_policy& policy;
  engine_options options;
  /// The journal's group commit (null: every write commits alone); outlives the store's users.
  std::unique_ptr<storage::group_commit> journal_writer;
  pg_engine_store store;
  std::unique_ptr<blocking_pool> pool;
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  context_ptr ctx;

  impl(storage::database& d, retell::client& p, provider_client_factory own, const clock_source& c,
       engine_metrics& m, const compliance_policy& rules, engine_options o)
      : db(d),
        provider(p),
        own_accounts(std::move(own)),
        clock(c),
        metrics(m),
        policy(rules),
        options(o),
        journal_writer(o.journal_writers > 0
                           ? std::make_unique<storage::group_commit>(d, o.journal_writers)
                           : nullptr),
        store(d, journal_writer.get()) {}
};

namespace {

/// Withdraws the standby dials no actor sent before the engine stopped: their attempts close
/// without counting and their leads are due again, so the next start does not find them in
/// doubt and count attempts no call was made for.
void withdraw_waiting_standbys(storage::group_commit* writer, engine_store& store,
                               standby_book& book, epoch_ms now) {
  // Journal writes still queued (a standby's own among them) commit first.
  if (writer) writer->run([] {});
  auto waiting = book.take_all();
  auto next = next_step_due_again(now);
  for (const auto& a : waiting) {
    try {
      store.withdraw_attempt(a.tenant_id, a.attempt_id, "withdrawn: engine stopped", next);
    } catch (const std::exception& e) {
      spdlog::warn("standby attempt {} left to the next start: {}", a.attempt_id, e.what());
    }
  }
  if (!waiting.empty()) spdlog::info("withdrew {} standby dials", waiting.size());
}

}  // namespace

engine::engine(storage::database& db, retell::client& provider,
               provider_client_factory own_accounts, const clock_source& clock,
               engine_metrics& metrics, const compliance_policy& policy, engine_options options)
    : impl_(std::make_unique<impl>(db, provider, std::move(own_accounts), clock, metrics, policy,
                                   options)) {}

engine::~engine() {
  stop();
}

void engine::start() {
  auto& i = *impl_;
  auto doubtful = storage::mark_dialing_in_doubt(i.db);
  if (!doubtful.empty())
    spdlog::warn("{} attempts were dialing when the engine stopped: now in_doubt", doubtful.size());
  i.pool = std::make_unique<blocking_pool>(i.options.storage_threads);
  i.config.set("scheduler.max-threads", i.options.scheduler_threads);
  if (i.options.scheduler_policy == "stealing")
    i.config.set("scheduler.policy", caf::atom("stealing"));
  else
    i.config.set("scheduler.policy", caf::atom("sharing"));
  i.config.set("logger.verbosity", caf::atom("quiet"));
  i.system = std::make_unique<caf::actor_system>(i.config);
  i.ctx = std::make_shared<engine_context>();
  i.ctx->store = &i.store;
  i.ctx->pool = i.pool.get();
  i.ctx->clock = &i.clock;
  i.ctx->metrics = &i.metrics;
  i.ctx->policy = &i.policy;
  i.ctx->options = i.options;
  gateway_options gateway_opts;
  gateway_opts.account_concurrency = i.options.account_concurrency;
  gateway_opts.default_calls_per_second = i.options.unregistered_number_calls_per_second;
  i.ctx->gateway = spawn_provider_gateway(*i.system, i.provider, i.clock, gateway_opts, i.metrics);
  // A tenant's own account: its line limit is read from its provider account; labelled with
  // its tenant id.
  auto spawn_own = [factory = i.own_accounts, &clock = i.clock, &metrics = i.metrics, gateway_opts](
                       caf::event_based_actor* registry, id_t tenant_id,
                       const provider_account& account) {
    gateway_options own_opts = gateway_opts;
    own_opts.account_concurrency = 0;
    own_opts.account = std::to_string(tenant_id);
    return spawn_own_gateway(registry, factory, account, clock, own_opts, metrics);
  };
  i.ctx->accounts = spawn_provider_accounts(*i.system, i.ctx, i.ctx->gateway, spawn_own);
  i.ctx->events = spawn_event_hub(*i.system, i.clock);
  i.ctx->root = spawn_engine_root(*i.system, i.ctx);
  for (auto status : {campaign_status::running, campaign_status::scheduled})
    for (const auto& c : storage::campaigns_in_status(i.db, status))
      campaign_status_changed(c.tenant_id, c.id, status);
  for (const auto& [tenant_id, campaign_id] : storage::campaigns_with_open_attempts(i.db))
    caf::anon_send(i.ctx->root, follow_atom::value, tenant_id, campaign_id);
  auto pending = storage::unapplied_webhooks(i.db);
  for (const auto& row : pending) {
    auto ev = retell::decode_webhook(row.body);
    if (!ev) {
      storage::mark_webhook_applied(i.db, row.id);
      continue;
    }
    webhook_stored(row.id, row.tenant_id, row.attempt_id, *ev);
  }
  if (!pending.empty()) spdlog::info("replaying {} stored webhooks", pending.size());
}

void engine::stop() {
  auto& i = *impl_;
  if (!i.system) return;
  caf::anon_send_exit(i.ctx->root, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(i.ctx->gateway, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(i.ctx->accounts, caf::exit_reason::user_shutdown);  // and its gateways
  caf::anon_send_exit(i.ctx->events, caf::exit_reason::user_shutdown);
  i.ctx->root = nullptr;
  i.ctx->gateway = nullptr;
  i.ctx->accounts = nullptr;
  i.ctx->events = nullptr;
  i.system.reset();  // waits for every actor to finish
  i.pool.reset();    // finishes queued jobs
  withdraw_waiting_standbys(i.journal_writer.get(), i.store, *i.ctx->standbys, i.clock.now_ms());
  i.ctx.reset();
}

void engine::campaign_status_changed(id_t tenant_id, id_t campaign_id, campaign_status status) {
  if (!impl_->ctx) return;
  caf::anon_send(impl_->ctx->root, status_atom::value,
                 campaign_update{tenant_id, campaign_id, status});
  actors::publish_event(*impl_->ctx, tenant_id, campaign_id, live_event_type::campaign_status,
                        campaign_status_fields(campaign_id, status));
}

void engine::provider_account_changed(id_t tenant_id) {
  if (!impl_->ctx) return;
  caf::anon_send(impl_->ctx->accounts, account_changed_atom::value, tenant_id);
}

void engine::tenant_limits_changed(id_t tenant_id) {
  if (!impl_->ctx) return;
  caf::anon_send(impl_->ctx->root, limits_atom::value, tenant_id);
}

void engine::compliance_changed(id_t tenant_id) {
  if (!impl_->ctx) return;
  caf::anon_send(impl_->ctx->root, recheck_atom::value, tenant_id);
}

void engine::rules_changed(id_t tenant_id) {
  if (!impl_->ctx) return;
  impl_->ctx->rule_versions->bump(tenant_id);
  caf::anon_send(impl_->ctx->root, recheck_atom::value, tenant_id);
}

bool engine::withdraw_standby(id_t tenant_id, id_t lead_id) {
  if (!impl_->ctx) return false;
  auto& book = *impl_->ctx->standbys;
  auto a = book.take_lead(tenant_id, lead_id);
  if (!a) return false;
  bool withdrawn = false;
  try {
    withdrawn = impl_->store.withdraw_attempt(tenant_id, a->attempt_id, "withdrawn: lead edited",
                                              next_step_due_again(impl_->clock.now_ms()));
  } catch (const std::exception&) {
    book.add(*a);  // still waiting in the journal: its campaign may send or withdraw it
    throw;
  }
  // Not withdrawn here: its campaign's own withdrawal committed first. Never sent either way.
  if (withdrawn) impl_->ctx->metrics->standby_dial("withdrawn");
  // Its campaign lets go of the lead now rather than when a line frees.
  caf::anon_send(impl_->ctx->root, taken_atom::value, tenant_id, a->campaign_id, a->attempt_id);
  return true;
}

std::size_t engine::standbys_waiting(id_t tenant_id, id_t campaign_id) const {
  return impl_->ctx ? impl_->ctx->standbys->waiting_in(tenant_id, campaign_id) : 0;
}

void engine::webhook_stored(id_t inbox_id, id_t tenant_id, id_t attempt_id,
                            const webhook_event& ev) {
  if (!impl_->ctx) return;
  caf::anon_send(impl_->ctx->root, webhook_atom::value,
                 inbound_webhook{inbox_id, tenant_id, attempt_id, ev});
}

void engine::webhook_arrived(id_t tenant_id, id_t attempt_id, const webhook_event& ev) {
  if (!impl_->ctx || attempt_id <= 0) return;
  // Only an event that ends a call from any state it may be in is worth a message.
  if (!apply_event(call_progress{}, ev).line_released) return;
  // What a call actor needs to judge it; the transcript and the rest stay with the handler.
  inbound_webhook w{0, tenant_id, attempt_id, {}};
  w.event.kind = ev.kind;
  w.event.event_name = ev.event_name;
  w.event.call.call_id = ev.call.call_id;
  w.event.call.call_status = ev.call.call_status;
  w.event.call.disconnection_reason = ev.call.disconnection_reason;
  w.event.call.in_voicemail = ev.call.in_voicemail;
  caf::anon_send(impl_->ctx->root, ending_atom::value, std::move(w));
}

bool engine::subscribe_events(std::shared_ptr<event_sink> sink, subscription_filter filter,
                              bool acknowledge) {
  if (!impl_->ctx || !impl_->ctx->events) return false;
  actors::subscribe_events(impl_->ctx->events, std::move(sink), filter, acknowledge);
  return true;
}

void engine::unsubscribe_events(std::shared_ptr<event_sink> sink) {
  if (!impl_->ctx) return;
  actors::unsubscribe_events(impl_->ctx->events, std::move(sink));
}

void engine::publish_event(live_event ev) {
  if (!impl_->ctx) return;
  actors::publish_event(*impl_->ctx, std::move(ev));
}

bool engine::running() const {
  return impl_->system != nullptr;
}

}  // namespace dialer::actors
