#pragma once

// An in-memory journal with the semantics of the PostgreSQL one, for deterministic actor
// tests (the storage tests check the real one against PostgreSQL).

#include <algorithm>
#include <map>
#include <set>

#include "actors/engine_store.hpp"
#include "core/call_progress.hpp"

namespace dialer::actors::test {

/// One lead as the fake journal holds it.
struct fake_lead {
  dial_candidate candidate;
  /// What the compliance gate sees of this lead (phone filled in from the candidate).
  dial_subject subject;
  lead_status status = lead_status::pending;
  epoch_ms next_attempt_at = 0;
  std::string terminal_reason;
  disposition last = disposition::none;
};

/// One journalled attempt.
struct fake_attempt {
  storage::attempt_row row;
  bool closed = false;
  disposition outcome = disposition::none;
  int close_calls = 0;
};

/// In-memory engine_store for one tenant and one campaign.
class fake_store final : public engine_store {
 public:
  campaign_plan plan;
  campaign_status status = campaign_status::running;
  std::map<id_t, fake_lead> leads;
  std::map<id_t, fake_attempt> attempts;
  std::vector<std::pair<campaign_status, campaign_status>> transitions;
  std::set<id_t> applied_webhooks;
  int progress_writes = 0;  ///< record_call_progress calls
  int attempt_lookups = 0;  ///< find_attempt calls
  /// Dials journalled whose write then reports failure (a commit whose answer was lost).
  int lost_dial_commit_answers = 0;
  /// Closes that fail (the database away) before succeeding on a retry.
  int failing_closes = 0;
  id_t next_attempt_id = 1;
  std::optional<provider_account> own_account;  ///< the tenant's own provider account, if any
  tenant_limits limits;                         ///< the tenant's shared limits
  std::int64_t month_spent_cents = 0;           ///< what the tenant spent this month

  /// Adds `n` pending leads with ids 1..n.
  void add_leads(int n) {
    for (int i = 1; i <= n; ++i) {
      fake_lead l;
      l.candidate.lead_id = i;
      l.candidate.phone = "+1212555" + std::to_string(1000 + i);
      l.subject.time_zone = "America/New_York";
      l.subject.consent = consent_status::granted;
      leads[i] = l;
    }
  }

  std::optional<campaign_plan> load_campaign_plan(id_t, id_t campaign_id) override {
    if (campaign_id != plan.id) return std::nullopt;
    auto p = plan;
    p.status = status;
    return p;
  }

  std::vector<storage::attempt_row> open_attempts(id_t, id_t) override {
    std::vector<storage::attempt_row> out;
    for (auto& [id, a] : attempts)
      if (!a.closed) out.push_back(a.row);
    return out;
  }

  std::vector<dial_candidate> next_dial_candidates(id_t, id_t, epoch_ms now, std::int32_t limit,
                                                   const std::vector<id_t>& exclude) override {
    std::vector<dial_candidate> out;
    for (auto& [id, l] : leads) {
      if (static_cast<std::int32_t>(out.size()) >= limit) break;
      if (l.status != lead_status::pending || l.next_attempt_at > now) continue;
      if (std::find(exclude.begin(), exclude.end(), id) != exclude.end()) continue;
      out.push_back(l.candidate);
    }
    return out;
  }

  std::optional<epoch_ms> earliest_pending_at(id_t, id_t) override {
    std::optional<epoch_ms> best;
    for (auto& [id, l] : leads)
      if (l.status == lead_status::pending && (!best || l.next_attempt_at < *best))
        best = l.next_attempt_at;
    return best;
  }

  std::int64_t open_lead_count(id_t, id_t) override {
    return std::count_if(leads.begin(), leads.end(), [](const auto& kv) {
      return kv.second.status == lead_status::pending ||
             kv.second.status == lead_status::in_progress;
    });
  }

  /// Every decision the gate made, in order: (lead id, decision).
  std::vector<std::pair<id_t, compliance_decision>> decisions;
  std::vector<tenant_override> overrides;
  std::vector<epoch_ms> dial_times;
  /// When each journalled dial counts as dialled (dialled_by, else now), in order.
  std::vector<epoch_ms> dialled_by_times;

  storage::gated_dial journal_dialing(const campaign_plan& p, const dial_candidate& lead, epoch_ms,
                                      epoch_ms now, const storage::dial_gate& gate,
                                      epoch_ms dialled_by) override {
    storage::gated_dial out;
    auto& l = leads.at(lead.lead_id);
    if (l.status != lead_status::pending) return out;
    auto subject = l.subject;
    subject.phone = l.candidate.phone;
    out.verdict = gate(subject);
    decisions.emplace_back(lead.lead_id, out.verdict->decision);
    if (!out.verdict->decision.allowed) {
      auto step = next_step_when_blocked(out.verdict->decision, now);
      l.status = step.status;
      l.next_attempt_at = step.next_attempt_at;
      l.terminal_reason = step.terminal_reason;
      return out;
    }
    out.attempt = journal_unchecked(p, lead);
    dial_times.push_back(now);
    dialled_by_times.push_back(std::max(now, dialled_by));
    if (lost_dial_commit_answers > 0) {
      --lost_dial_commit_answers;
      throw storage::storage_error("transaction outcome unknown (connection lost during commit)");
    }
    return out;
  }

  std::vector<tenant_override> rule_overrides(id_t) override { return overrides; }

  std::vector<epoch_ms> dial_times_since(id_t, id_t, epoch_ms since) override {
    std::vector<epoch_ms> out;
    for (auto t : dial_times)
      if (t >= since) out.push_back(t);
    return out;
  }

  /// Journals the dial of a pending lead without a decision.
  std::optional<dial_attempt> journal_unchecked(const campaign_plan& p,
                                                const dial_candidate& lead) {
    auto& l = leads.at(lead.lead_id);
    if (l.status != lead_status::pending) return std::nullopt;
    l.status = lead_status::in_progress;
    l.candidate.attempts += 1;
    fake_attempt a;
    a.row.attempt.attempt_id = next_attempt_id++;
    a.row.attempt.tenant_id = p.tenant_id;
    a.row.attempt.campaign_id = p.id;
    a.row.attempt.lead_id = lead.lead_id;
    a.row.attempt.attempt_no = l.candidate.attempts;
    a.row.attempt.from_number = p.from_number;
    a.row.attempt.to_number = lead.phone;
    a.row.state = attempt_state::dialing;
    attempts[a.row.attempt.attempt_id] = a;
    return a.row.attempt;
  }

  void journal_registered(id_t, id_t attempt_id, const std::string& call_id) override {
    auto& a = attempts.at(attempt_id);
    a.row.provider_call_id = call_id;
    if (progress_rank(a.row.state) < progress_rank(attempt_state::registered))
      a.row.state = attempt_state::registered;
  }

  void record_call_progress(id_t, id_t attempt_id, attempt_state state, disposition,
                            const provider_call&, id_t applied_inbox_id) override {
    ++progress_writes;
    if (applied_inbox_id) applied_webhooks.insert(applied_inbox_id);
    auto& a = attempts.at(attempt_id);
    if (progress_rank(state) > progress_rank(a.row.state)) a.row.state = state;
  }

  void store_segments(id_t, id_t, const std::vector<storage::segment_row>&) override {}

  void close_attempt(id_t, id_t attempt_id, attempt_state final_state, disposition outcome,
                     const std::string&, const lead_next_step& next) override {
    if (failing_closes > 0) {
      --failing_closes;
      throw storage::storage_error("database connection lost");
    }
    auto& a = attempts.at(attempt_id);
    ++a.close_calls;
    if (a.closed) return;
    a.closed = true;
    a.outcome = outcome;
    if (progress_rank(final_state) > progress_rank(a.row.state)) a.row.state = final_state;
    auto& l = leads.at(a.row.attempt.lead_id);
    if (l.status != lead_status::in_progress) return;
    if (!next.counts_as_attempt) l.candidate.attempts -= 1;
    l.status = next.status;
    l.next_attempt_at = next.next_attempt_at;
    l.terminal_reason = next.terminal_reason;
    l.last = outcome;
  }

  bool withdraw_attempt(id_t, id_t attempt_id, const std::string&,
                        const lead_next_step& next) override {
    auto& a = attempts.at(attempt_id);
    if (a.closed || a.row.state != attempt_state::dialing || !a.row.provider_call_id.empty())
      return false;
    a.closed = true;
    a.row.state = attempt_state::planned;
    auto& l = leads.at(a.row.attempt.lead_id);
    if (l.status != lead_status::in_progress) return true;
    l.candidate.attempts -= 1;
    l.status = next.status;
    l.next_attempt_at = next.next_attempt_at;
    l.terminal_reason = next.terminal_reason;
    return true;
  }

  std::optional<storage::attempt_row> find_attempt(id_t attempt_id) override {
    ++attempt_lookups;
    auto it = attempts.find(attempt_id);
    if (it == attempts.end()) return std::nullopt;
    auto row = it->second.row;
    if (it->second.closed && !releases_line(row.state)) row.state = attempt_state::failed;
    return row;
  }

  void mark_webhook_applied(id_t inbox_id) override { applied_webhooks.insert(inbox_id); }

  bool transition_campaign(id_t, id_t, campaign_status from, campaign_status to) override {
    if (status != from) return false;
    status = to;
    transitions.emplace_back(from, to);
    return true;
  }

  void cancel_pending_leads(id_t, id_t, const std::string& reason) override {
    for (auto& [id, l] : leads)
      if (l.status == lead_status::pending) {
        l.status = lead_status::cancelled;
        l.terminal_reason = reason;
      }
  }

  std::optional<provider_account> provider_account_of(id_t) override { return own_account; }

  tenant_standing tenant_standing_of(id_t, epoch_ms) override {
    return tenant_standing{limits, month_spent_cents};
  }

  std::vector<id_t> campaigns_to_follow(id_t) override {
    bool open = std::any_of(attempts.begin(), attempts.end(),
                            [](const auto& a) { return !a.second.closed; });
    if (open || status == campaign_status::running || status == campaign_status::scheduled)
      return {plan.id};
    return {};
  }

  /// Leads in this status.
  int count(lead_status s) const {
    return static_cast<int>(std::count_if(leads.begin(), leads.end(),
                                          [s](const auto& kv) { return kv.second.status == s; }));
  }
};

}  // namespace dialer::actors::test
