#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/compliance_policy.hpp"
#include "core/lead_outcome.hpp"
#include "core/provider_account.hpp"
#include "core/tenant_allowance.hpp"
#include "storage/dial_journal.hpp"
#include "storage/rows.hpp"
#include "storage/write_lane.hpp"

namespace dialer::storage {
class database;
class group_commit;
}  // namespace dialer::storage

namespace dialer::actors {

/// Every read and write the engine's actors make, as one interface: PostgreSQL in production
/// (pg_engine_store), an in-memory journal in the deterministic actor tests.
class engine_store {
 public:
  virtual ~engine_store() = default;

  /// The plan of a campaign of the tenant, if it exists.
  virtual std::optional<campaign_plan> load_campaign_plan(id_t tenant_id, id_t campaign_id) = 0;
  /// The campaign's attempts not yet closed.
  virtual std::vector<storage::attempt_row> open_attempts(id_t tenant_id, id_t campaign_id) = 0;
  /// Up to `limit` pending leads due at `now`, best first, skipping `exclude`.
  virtual std::vector<dial_candidate> next_dial_candidates(id_t tenant_id, id_t campaign_id,
                                                           epoch_ms now, std::int32_t limit,
                                                           const std::vector<id_t>& exclude) = 0;
  /// The earliest next_attempt_at among pending leads (0: due now), if any lead is pending.
  virtual std::optional<epoch_ms> earliest_pending_at(id_t tenant_id, id_t campaign_id) = 0;
  /// Leads of the campaign not yet terminal.
  virtual std::int64_t open_lead_count(id_t tenant_id, id_t campaign_id) = 0;
  /// Decides with `gate` on the still-pending lead's facts and journals `planned -> dialing`
  /// when allowed, else applies the blocked lead's next step; the decision is recorded. The
  /// attempt counts as dialled at `dialled_by` (a standby: the latest it may be sent) or `now`.
  virtual storage::gated_dial journal_dialing(const campaign_plan& plan, const dial_candidate& lead,
                                              epoch_ms attempts_since, epoch_ms now,
                                              const storage::dial_gate& gate,
                                              epoch_ms dialled_by) = 0;
  /// The tenant's overrides of country rules.
  virtual std::vector<tenant_override> rule_overrides(id_t tenant_id) = 0;
  /// When the campaign's attempts since `since` were dialled, ascending (rate caps).
  virtual std::vector<epoch_ms> dial_times_since(id_t tenant_id, id_t campaign_id,
                                                 epoch_ms since) = 0;
  /// Stores the provider call id of an attempt.
  virtual void journal_registered(id_t tenant_id, id_t attempt_id,
                                  const std::string& provider_call_id) = 0;
  /// Moves an attempt forward and stores what the provider said about its call; marks the
  /// webhook `applied_inbox_id` (0: none) applied in the same transaction.
  virtual void record_call_progress(id_t tenant_id, id_t attempt_id, attempt_state state,
                                    disposition outcome, const provider_call& call,
                                    id_t applied_inbox_id) = 0;
  /// Runs the writes `writes` makes as one: one transaction, one commit (the base runs them
  /// as they come).
  virtual void together(const std::function<void()>& writes) { writes(); }
  /// Hands `writes` to the storage writer and returns at once: they share a transaction with
  /// other actors' writes (and run again from the start if another of them fails), and
  /// `done(ok)` follows on the writer's thread after the commit. `writes` may only write and
  /// read; `lane` says whether they go before the others waiting. False when this store has
  /// no writer: the caller runs `writes` itself.
  virtual bool write_async(std::function<void()> writes, std::function<void(bool)> done,
                           storage::write_lane lane) {
    (void)writes;
    (void)done;
    (void)lane;
    return false;
  }
  /// Replaces the transcript turns of an attempt's call.
  virtual void store_segments(id_t tenant_id, id_t attempt_id,
                              const std::vector<storage::segment_row>& segments) = 0;
  /// Closes an attempt and applies the lead's next step, once.
  virtual void close_attempt(id_t tenant_id, id_t attempt_id, attempt_state final_state,
                             disposition outcome, const std::string& error,
                             const lead_next_step& next) = 0;
  /// Withdraws a standby never sent: the attempt goes back to planned, closed without
  /// counting, and its lead takes `next`; false when it was not such a dial.
  virtual bool withdraw_attempt(id_t tenant_id, id_t attempt_id, const std::string& error,
                                const lead_next_step& next) = 0;
  /// The attempt with this id, any tenant.
  virtual std::optional<storage::attempt_row> find_attempt(id_t attempt_id) = 0;
  /// Marks an inbox row applied.
  virtual void mark_webhook_applied(id_t inbox_id) = 0;
  /// Compare-and-set of a campaign's status; true when it moved.
  virtual bool transition_campaign(id_t tenant_id, id_t campaign_id, campaign_status from,
                                   campaign_status to) = 0;
  /// Closes every pending lead of the campaign as cancelled.
  virtual void cancel_pending_leads(id_t tenant_id, id_t campaign_id,
                                    const std::string& reason) = 0;
  /// The tenant's own provider account, or nullopt when its calls go through the platform's.
  virtual std::optional<provider_account> provider_account_of(id_t tenant_id) = 0;
  /// The campaign's counts for campaign.stats live events; nullopt from a store that keeps
  /// none (then no stats event is published).
  virtual std::optional<storage::campaign_stats> campaign_stats_of(id_t, id_t, epoch_ms) {
    return std::nullopt;
  }
  /// The tenant's shared limits and what it has spent since `month_start`.
  virtual tenant_standing tenant_standing_of(id_t tenant_id, epoch_ms month_start) = 0;
  /// The tenant's campaigns that need an actor: running or scheduled, or with calls open.
  virtual std::vector<id_t> campaigns_to_follow(id_t tenant_id) = 0;
};

/// The engine_store of production: the repositories of src/storage over PostgreSQL.
class pg_engine_store final : public engine_store {
 public:
  /// Uses `db`, which must outlive the store; with `journal_writer`, the writes of calls and
  /// dials go through its group commits.
  explicit pg_engine_store(storage::database& db, storage::group_commit* journal_writer = nullptr)
      : db_(db), writer_(journal_writer) {}

  std::optional<campaign_plan> load_campaign_plan(id_t tenant_id, id_t campaign_id) override;
  std::vector<storage::attempt_row> open_attempts(id_t tenant_id, id_t campaign_id) override;
  std::vector<dial_candidate> next_dial_candidates(id_t tenant_id, id_t campaign_id, epoch_ms now,
                                                   std::int32_t limit,
                                                   const std::vector<id_t>& exclude) override;
  std::optional<epoch_ms> earliest_pending_at(id_t tenant_id, id_t campaign_id) override;
  std::int64_t open_lead_count(id_t tenant_id, id_t campaign_id) override;
  storage::gated_dial journal_dialing(const campaign_plan& plan, const dial_candidate& lead,
                                      epoch_ms attempts_since, epoch_ms now,
                                      const storage::dial_gate& gate, epoch_ms dialled_by) override;
  std::vector<tenant_override> rule_overrides(id_t tenant_id) override;
  std::vector<epoch_ms> dial_times_since(id_t tenant_id, id_t campaign_id, epoch_ms since) override;
  void journal_registered(id_t tenant_id, id_t attempt_id,
                          const std::string& provider_call_id) override;
  void record_call_progress(id_t tenant_id, id_t attempt_id, attempt_state state,
                            disposition outcome, const provider_call& call,
                            id_t applied_inbox_id) override;
  void together(const std::function<void()>& writes) override;
  bool write_async(std::function<void()> writes, std::function<void(bool)> done,
                   storage::write_lane lane) override;
  void store_segments(id_t tenant_id, id_t attempt_id,
                      const std::vector<storage::segment_row>& segments) override;
  void close_attempt(id_t tenant_id, id_t attempt_id, attempt_state final_state,
                     disposition outcome, const std::string& error,
                     const lead_next_step& next) override;
  bool withdraw_attempt(id_t tenant_id, id_t attempt_id, const std::string& error,
                        const lead_next_step& next) override;
  std::optional<storage::attempt_row> find_attempt(id_t attempt_id) override;
  void mark_webhook_applied(id_t inbox_id) override;
  bool transition_campaign(id_t tenant_id, id_t campaign_id, campaign_status from,
                           campaign_status to) override;
  void cancel_pending_leads(id_t tenant_id, id_t campaign_id, const std::string& reason) override;
  std::optional<provider_account> provider_account_of(id_t tenant_id) override;
  std::optional<storage::campaign_stats> campaign_stats_of(id_t tenant_id, id_t campaign_id,
                                                           epoch_ms now) override;
  tenant_standing tenant_standing_of(id_t tenant_id, epoch_ms month_start) override;
  std::vector<id_t> campaigns_to_follow(id_t tenant_id) override;

 private:
  /// Runs a write, in a group commit when there is a writer.
  void write(const std::function<void()>& job);

  storage::database& db_;
  storage::group_commit* writer_;
};

}  // namespace dialer::actors
