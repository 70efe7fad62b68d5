#pragma once

// The set-up the deterministic actor tests share: CAF's test scheduler (nothing runs until the
// test says so, time moves only by hand), a manual clock, private metrics, jobs run inline, a
// US rule allowing calls all day, and helpers to start campaigns and deliver webhooks.

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <caf/all.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/engine_context.hpp"
#include "actors/engine_root.hpp"
#include "actors/messages.hpp"
#include "stub_provider.hpp"

namespace dialer::actors::test {

/// 2026-01-01T00:00:00Z, where the tests' clocks start.
constexpr epoch_ms test_start_time = 1'767'225'600'000;

/// A US rule for the tests: calls allowed `windows`, consent regime `regime` for everyone.
inline country_rule us_rule(weekly_windows windows,
                            consent_regime regime = consent_regime::opt_out) {
  country_rule r;
  r.country = "US";
  r.name = "United States (test)";
  r.calling_hours.windows = std::move(windows);
  r.calling_hours.legal_floor = true;
  r.consent.b2b.regime = regime;
  r.consent.b2c.regime = regime;
  return r;
}

/// A policy that knows one country, `rule`; a stored tenant override named as a key of
/// `overrides` decodes to its rule.
inline std::unique_ptr<compliance_policy> single_rule_policy(
    country_rule rule, std::map<std::string, country_rule, std::less<>> overrides = {}) {
  std::vector<country_rule> rules;
  rules.push_back(std::move(rule));
  rule_decoders decoders;
  if (!overrides.empty())
    decoders.country_rule_of = [overrides = std::move(overrides)](
                                   std::string_view, std::string_view stored) {
      auto it = overrides.find(stored);
      return it == overrides.end() ? std::nullopt : std::optional<country_rule>(it->second);
    };
  return std::make_unique<compliance_policy>(std::move(rules), phone_zone_table{}, decoders);
}

/// A webhook as the HTTP handler hands it to the engine after storing it as `inbox_id`.
inline inbound_webhook stored_webhook(id_t inbox_id, id_t tenant, id_t attempt, webhook_kind kind,
                                      const std::string& status, const std::string& reason,
                                      std::optional<std::int64_t> cost_cents = std::nullopt) {
  inbound_webhook w;
  w.inbox_id = inbox_id;
  w.tenant_id = tenant;
  w.attempt_id = attempt;
  w.event.kind = kind;
  w.event.event_name = std::string(to_string(kind));
  w.event.call.call_id = "call_" + std::to_string(attempt);
  w.event.call.call_status = status;
  w.event.call.disconnection_reason = reason;
  w.event.call.attempt_id = attempt;
  if (kind != webhook_kind::call_started) w.event.call.cost_cents = cost_cents;
  return w;
}

/// A fixture base: derived fixtures give it their store and gateway, then call start_engine().
class engine_test_bed : public ::testing::Test {
 protected:
  engine_test_bed() : clock_(test_start_time), metrics_(registry_) {
    config_.set("scheduler.policy", caf::atom("testing"));
    config_.set("logger.verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(config_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(system_->scheduler());
    ctx_ = std::make_shared<engine_context>();
    ctx_->pool = &runner_;
    ctx_->clock = &clock_;
    ctx_->metrics = &metrics_;
    ctx_->options.hopper_batch = 4;
    ctx_->options.call_grace = std::chrono::seconds(30);
    ctx_->options.call_watchdog = std::chrono::hours(1);
    use_rule(us_rule(weekly_windows::every_day({0, minutes_per_day})));
  }

  ~engine_test_bed() override { stop_engine(); }

  /// Shuts every actor down; derived fixtures call it first in their destructor, while the
  /// stores and scripts the actors use still exist.
  void stop_engine() {
    for (auto* a : {&ctx_->root, &ctx_->accounts, &ctx_->gateway})
      if (*a) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    run();
    ctx_->root = nullptr;
    ctx_->accounts = nullptr;
    ctx_->gateway = nullptr;
  }

  /// Spawns root over `store` (the gateway, and accounts if any, must be set already).
  void start_engine(engine_store& store) {
    ctx_->store = &store;
    ctx_->root = spawn_engine_root(*system_, ctx_);
  }

  /// Decides every dial under `rule` (the only country the policy knows).
  void use_rule(country_rule rule, std::map<std::string, country_rule, std::less<>> overrides = {}) {
    policy_ = single_rule_policy(std::move(rule), std::move(overrides));
    ctx_->policy = policy_.get();
  }

  /// Runs every actor until nobody has anything left to do.
  void run() { sched_->run(); }

  /// Moves the manual clock and CAF's test clock together, then runs.
  void advance(std::chrono::milliseconds d) {
    clock_.advance(d.count());
    sched_->advance_time(d);
    run();
  }

  /// A user's command reached the campaign (its status already stored).
  void send_status(id_t tenant, id_t campaign, campaign_status s) {
    caf::anon_send(ctx_->root, status_atom::value, campaign_update{tenant, campaign, s});
    run();
  }

  /// Delivers a stored webhook for the attempt, as the HTTP handler does after the commit.
  void deliver(id_t tenant, id_t attempt, webhook_kind kind, const std::string& status,
               const std::string& reason, std::optional<std::int64_t> cost_cents = std::nullopt) {
    auto w = stored_webhook(++inbox_ids_, tenant, attempt, kind, status, reason, cost_cents);
    caf::anon_send(ctx_->root, webhook_atom::value, w);
    run();
  }

  /// The provider ends an answered call (call_ended, then call_analyzed).
  void hang_up(id_t tenant, id_t attempt, std::optional<std::int64_t> cost_cents = std::nullopt) {
    for (auto kind : {webhook_kind::call_ended, webhook_kind::call_analyzed})
      deliver(tenant, attempt, kind, "ended", "user_hangup", cost_cents);
  }

  /// The campaign's actor as root knows it (invalid when none runs).
  caf::actor campaign_actor(id_t campaign) {
    caf::actor found;
    system_->spawn([&](caf::event_based_actor* self) {
      self->request(ctx_->root, caf::infinite, lookup_atom::value, campaign)
          .then([&](const caf::actor& a) { found = a; });
    });
    run();
    return found;
  }

  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  manual_clock clock_;
  prometheus::Registry registry_;
  engine_metrics metrics_;
  inline_runner runner_;
  std::unique_ptr<compliance_policy> policy_;
  context_ptr ctx_;
  id_t inbox_ids_ = 0;
};

}  // namespace dialer::actors::test
