#pragma once

// An engine_store over several in-memory journals, each holding one campaign, for the actor
// tests with more than one campaign or tenant.

#include <stdexcept>
#include <vector>

#include "fake_store.hpp"

namespace dialer::actors::test {

/// Calls naming a campaign go to the journal `of(tenant, campaign)` picks; calls naming only an
/// attempt go to the journal holding it (the journals' attempt ids must stay apart); calls
/// naming only a tenant go to its first journal.
class routing_store : public engine_store {
 public:
  /// Every journal behind this store.
  std::vector<fake_store*> stores;

  /// The journal of the tenant's campaign.
  virtual fake_store& of(id_t tenant_id, id_t campaign_id) = 0;

  /// The journal holding the attempt.
  fake_store& holding(id_t attempt_id) {
    for (auto* s : stores)
      if (s->attempts.count(attempt_id)) return *s;
    throw std::runtime_error("no journal holds attempt " + std::to_string(attempt_id));
  }

  /// The first journal of the tenant.
  fake_store& of_tenant(id_t tenant_id) {
    for (auto* s : stores)
      if (s->plan.tenant_id == tenant_id) return *s;
    throw std::runtime_error("no journal of tenant " + std::to_string(tenant_id));
  }

  std::optional<campaign_plan> load_campaign_plan(id_t t, id_t c) override {
    return of(t, c).load_campaign_plan(t, c);
  }
  std::vector<storage::attempt_row> open_attempts(id_t t, id_t c) override {
    return of(t, c).open_attempts(t, c);
  }
  std::vector<dial_candidate> next_dial_candidates(id_t t, id_t c, epoch_ms now, std::int32_t n,
                                                   const std::vector<id_t>& exclude) override {
    return of(t, c).next_dial_candidates(t, c, now, n, exclude);
  }
  std::optional<epoch_ms> earliest_pending_at(id_t t, id_t c) override {
    return of(t, c).earliest_pending_at(t, c);
  }
  std::int64_t open_lead_count(id_t t, id_t c) override { return of(t, c).open_lead_count(t, c); }
  storage::gated_dial journal_dialing(const campaign_plan& plan, const dial_candidate& lead,
                                      epoch_ms since, epoch_ms now, const storage::dial_gate& gate,
                                      epoch_ms dialled_by) override {
    return of(plan.tenant_id, plan.id).journal_dialing(plan, lead, since, now, gate, dialled_by);
  }
  std::vector<tenant_override> rule_overrides(id_t t) override {
    return of_tenant(t).rule_overrides(t);
  }
  std::vector<epoch_ms> dial_times_since(id_t t, id_t c, epoch_ms since) override {
    return of(t, c).dial_times_since(t, c, since);
  }
  void journal_registered(id_t t, id_t a, const std::string& call_id) override {
    holding(a).journal_registered(t, a, call_id);
  }
  void record_call_progress(id_t t, id_t a, attempt_state s, disposition d, const provider_call& c,
                            id_t inbox_id) override {
    holding(a).record_call_progress(t, a, s, d, c, inbox_id);
  }
  void store_segments(id_t t, id_t a, const std::vector<storage::segment_row>& s) override {
    holding(a).store_segments(t, a, s);
  }
  void close_attempt(id_t t, id_t a, attempt_state s, disposition d, const std::string& e,
                     const lead_next_step& next) override {
    holding(a).close_attempt(t, a, s, d, e, next);
  }
  bool withdraw_attempt(id_t t, id_t a, const std::string& e, const lead_next_step& next) override {
    return holding(a).withdraw_attempt(t, a, e, next);
  }
  std::optional<storage::attempt_row> find_attempt(id_t attempt_id) override {
    for (auto* s : stores)
      if (auto row = s->find_attempt(attempt_id)) return row;
    return std::nullopt;
  }
  void mark_webhook_applied(id_t inbox_id) override {
    for (auto* s : stores) s->mark_webhook_applied(inbox_id);
  }
  bool transition_campaign(id_t t, id_t c, campaign_status from, campaign_status to) override {
    return of(t, c).transition_campaign(t, c, from, to);
  }
  void cancel_pending_leads(id_t t, id_t c, const std::string& reason) override {
    of(t, c).cancel_pending_leads(t, c, reason);
  }
  std::optional<provider_account> provider_account_of(id_t t) override {
    return of_tenant(t).provider_account_of(t);
  }
  tenant_standing tenant_standing_of(id_t t, epoch_ms since) override {
    return of_tenant(t).tenant_standing_of(t, since);
  }
  std::vector<id_t> campaigns_to_follow(id_t t) override {
    std::vector<id_t> out;
    for (auto* s : stores)
      if (s->plan.tenant_id == t)
        for (auto c : s->campaigns_to_follow(t)) out.push_back(c);
    return out;
  }
};

}  // namespace dialer::actors::test
