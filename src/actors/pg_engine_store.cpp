#include "actors/engine_store.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "storage/accounts.hpp"
#include "storage/campaigns.hpp"
#include "storage/compliance.hpp"
#include "storage/dial_journal.hpp"
#include "storage/group_commit.hpp"
#include "storage/tenant_limits.hpp"
#include "storage/webhook_inbox.hpp"

namespace dialer::actors {

void pg_engine_store::write(const std::function<void()>& job) {
  // Inside together() the write is already part of a group job: it joins that transaction.
  if (writer_ && !storage::database::in_group())
    writer_->run(job);
  else
    job();
}

void pg_engine_store::together(const std::function<void()>& writes) {
  write(writes);
}

bool pg_engine_store::write_async(std::function<void()> writes, std::function<void(bool)> done,
                                  storage::write_lane lane) {
  if (!writer_ || storage::database::in_group()) return false;
  writer_->submit(std::move(writes), [done = std::move(done)](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        spdlog::warn("storage write failed, will retry: {}", e.what());
      } catch (...) {
        spdlog::warn("storage write failed, will retry");
      }
    }
    done(!error);
  }, lane);
  return true;
}

std::optional<campaign_plan> pg_engine_store::load_campaign_plan(id_t tenant_id, id_t campaign_id) {
  return storage::load_campaign_plan(db_, tenant_id, campaign_id);
}

std::vector<storage::attempt_row> pg_engine_store::open_attempts(id_t tenant_id, id_t campaign_id) {
  return storage::open_attempts(db_, tenant_id, campaign_id);
}

std::vector<dial_candidate> pg_engine_store::next_dial_candidates(
    id_t tenant_id, id_t campaign_id, epoch_ms now, std::int32_t limit,
    const std::vector<id_t>& exclude) {
  return storage::next_dial_candidates(db_, tenant_id, campaign_id, now, limit, exclude);
}

std::optional<epoch_ms> pg_engine_store::earliest_pending_at(id_t tenant_id, id_t campaign_id) {
  return storage::earliest_pending_at(db_, tenant_id, campaign_id);
}

std::int64_t pg_engine_store::open_lead_count(id_t tenant_id, id_t campaign_id) {
  return storage::open_lead_count(db_, tenant_id, campaign_id);
}

storage::gated_dial pg_engine_store::journal_dialing(const campaign_plan& plan,
                                                     const dial_candidate& lead,
                                                     epoch_ms attempts_since, epoch_ms now,
                                                     const storage::dial_gate& gate,
                                                     epoch_ms dialled_by) {
  storage::gated_dial out;
  write([&] {
    out = storage::journal_dialing(db_, plan, lead, attempts_since, now, gate, dialled_by);
  });
  return out;
}

std::vector<tenant_override> pg_engine_store::rule_overrides(id_t tenant_id) {
  return storage::list_rule_overrides(db_, tenant_id);
}

std::vector<epoch_ms> pg_engine_store::dial_times_since(id_t tenant_id, id_t campaign_id,
                                                        epoch_ms since) {
  return storage::dial_times_since(db_, tenant_id, campaign_id, since);
}

void pg_engine_store::journal_registered(id_t tenant_id, id_t attempt_id,
                                         const std::string& provider_call_id) {
  write([&] { storage::journal_registered(db_, tenant_id, attempt_id, provider_call_id); });
}

void pg_engine_store::record_call_progress(id_t tenant_id, id_t attempt_id, attempt_state state,
                                           disposition outcome, const provider_call& call,
                                           id_t applied_inbox_id) {
  write([&] {
    storage::record_call_progress(db_, tenant_id, attempt_id, state, outcome, call,
                                  applied_inbox_id);
  });
}

void pg_engine_store::store_segments(id_t tenant_id, id_t attempt_id,
                                     const std::vector<storage::segment_row>& segments) {
  write([&] { storage::store_segments(db_, tenant_id, attempt_id, segments); });
}

void pg_engine_store::close_attempt(id_t tenant_id, id_t attempt_id, attempt_state final_state,
                                    disposition outcome, const std::string& error,
                                    const lead_next_step& next) {
  write([&] {
    storage::close_attempt(db_, tenant_id, attempt_id, final_state, outcome, error, next);
  });
}

bool pg_engine_store::withdraw_attempt(id_t tenant_id, id_t attempt_id, const std::string& error,
                                       const lead_next_step& next) {
  bool withdrawn = false;
  write([&] { withdrawn = storage::withdraw_attempt(db_, tenant_id, attempt_id, error, next); });
  return withdrawn;
}

std::optional<storage::attempt_row> pg_engine_store::find_attempt(id_t attempt_id) {
  return storage::find_attempt(db_, attempt_id);
}

void pg_engine_store::mark_webhook_applied(id_t inbox_id) {
  write([&] { storage::mark_webhook_applied(db_, inbox_id); });
}

bool pg_engine_store::transition_campaign(id_t tenant_id, id_t campaign_id, campaign_status from,
                                          campaign_status to) {
  return storage::transition_campaign(db_, tenant_id, campaign_id, from, to).has_value();
}

void pg_engine_store::cancel_pending_leads(id_t tenant_id, id_t campaign_id,
                                           const std::string& reason) {
  storage::cancel_pending_leads(db_, tenant_id, campaign_id, reason);
}

std::optional<provider_account> pg_engine_store::provider_account_of(id_t tenant_id) {
  auto tenant = storage::find_tenant(db_, tenant_id);
  if (!tenant || !tenant->retell_api_key || tenant->retell_api_key->empty()) return std::nullopt;
  return provider_account{*tenant->retell_api_key, tenant->retell_base_url.value_or("")};
}

std::optional<storage::campaign_stats> pg_engine_store::campaign_stats_of(id_t tenant_id,
                                                                          id_t campaign_id,
                                                                          epoch_ms now) {
  return storage::stats_of_campaign(db_, tenant_id, campaign_id, now);
}

tenant_standing pg_engine_store::tenant_standing_of(id_t tenant_id, epoch_ms month_start) {
  return storage::tenant_standing_of(db_, tenant_id, month_start);
}

std::vector<id_t> pg_engine_store::campaigns_to_follow(id_t tenant_id) {
  return storage::campaigns_to_follow(db_, tenant_id);
}

}  // namespace dialer::actors
