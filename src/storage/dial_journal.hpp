#pragma once

#include <functional>

#include "core/compliance_policy.hpp"
#include "core/lead_outcome.hpp"
#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// Up to `limit` pending leads of the campaign due at `now` (next_attempt_at null or <= now),
/// ordered by priority (high first), next_attempt_at, id; skipping the ids in `exclude`.
std::vector<dial_candidate> next_dial_candidates(database& db, id_t tenant_id, id_t campaign_id,
                                                 epoch_ms now, std::int32_t limit,
                                                 const std::vector<id_t>& exclude);

/// The earliest next_attempt_at (ms) among pending leads of the campaign, if any is pending.
std::optional<epoch_ms> earliest_pending_at(database& db, id_t tenant_id, id_t campaign_id);

/// How many leads of the campaign are not terminal (pending or in progress).
std::int64_t open_lead_count(database& db, id_t tenant_id, id_t campaign_id);

/// In one transaction: checks the lead is still pending, inserts the attempt in state
/// `dialing` (attempt_no = attempts + 1), and marks the lead in_progress with attempts + 1.
/// Committed before the provider is asked to dial. nullopt when the lead is not pending.
std::optional<dial_attempt> journal_dialing(database& db, const campaign_plan& plan,
                                            const dial_candidate& lead);

/// Decides on a lead's facts just before its dial (read under the lead's lock).
using dial_gate = std::function<compliance_verdict(const dial_subject&)>;

/// What the gate said about a lead, and the attempt journalled when it allowed the dial.
struct gated_dial {
  std::optional<dial_attempt> attempt;
  /// nullopt when the lead was no longer pending (nothing decided, nothing recorded).
  std::optional<compliance_verdict> verdict;
};

/// journal_dialing behind the compliance gate, in one transaction: locks the pending lead,
/// reads its facts (DNC, attempts to its number since `attempts_since`, last refusal), asks
/// `gate`, records the decision in compliance_checks, and then either journals the attempt or
/// applies the blocked lead's next step (pending until next_allowed_at, or cancelled). The
/// attempt's dialing_at is `dialled_by` (the latest instant the dial may go out: later than
/// `now` for a standby), else `now`: the engine's clock, the one its caps are counted by.
gated_dial journal_dialing(database& db, const campaign_plan& plan, const dial_candidate& lead,
                           epoch_ms attempts_since, epoch_ms now, const dial_gate& gate,
                           epoch_ms dialled_by = 0);

/// When the campaign's attempts since `since` were dialled (ms), ascending.
std::vector<epoch_ms> dial_times_since(database& db, id_t tenant_id, id_t campaign_id,
                                       epoch_ms since);

/// Records the provider call id of an attempt (dialing -> registered).
void journal_registered(database& db, id_t tenant_id, id_t attempt_id,
                        const std::string& provider_call_id);

/// Moves an attempt forward to `state` (never backwards) and stores what the provider said
/// about the call (upserts the calls columns: status, reason, times, cost, summary...). With
/// `applied_inbox_id`, the webhook that said it is marked applied in the same transaction.
void record_call_progress(database& db, id_t tenant_id, id_t attempt_id, attempt_state state,
                          disposition outcome, const provider_call& call,
                          id_t applied_inbox_id = 0);

/// Replaces the transcript turns of the attempt's call.
void store_segments(database& db, id_t tenant_id, id_t attempt_id,
                    const std::vector<segment_row>& segments);

/// Records the attempt's end (state, disposition, error text) and applies the lead's next
/// step (status, next_attempt_at, terminal_reason, attempts - 1 when it does not count), in
/// one transaction.
void close_attempt(database& db, id_t tenant_id, id_t attempt_id, attempt_state final_state,
                   disposition outcome, const std::string& error, const lead_next_step& next);

/// Withdraws a dial journalled and never sent (a standby): the attempt goes back to `planned`,
/// closed with `error` and not counting, and its lead (if still in progress) takes `next` with
/// the attempt given back. False, changing nothing, when the attempt is not a `dialing` one
/// without a provider call id (registered, in doubt, closed, or not the tenant's).
bool withdraw_attempt(database& db, id_t tenant_id, id_t attempt_id, const std::string& error,
                      const lead_next_step& next);

/// The attempt with this id (any tenant: webhooks find their tenant through it).
std::optional<attempt_row> find_attempt(database& db, id_t attempt_id);

/// At start-up: every attempt still in `dialing` becomes `in_doubt`; returns them.
std::vector<attempt_row> mark_dialing_in_doubt(database& db);

/// Attempts of the campaign still open (dialing, in_doubt, registered, ongoing, or ended
/// without close_attempt having run), oldest first: what a restarted campaign must follow
/// again before dialling anything new.
std::vector<attempt_row> open_attempts(database& db, id_t tenant_id, id_t campaign_id);

/// (tenant id, campaign id) of every campaign that still has open attempts, any status: at
/// start-up their calls must be followed to the end even when the campaign no longer dials.
std::vector<std::pair<id_t, id_t>> campaigns_with_open_attempts(database& db);

/// Calls of the tenant matching the filter, newest first, with the total count.
page<call_row> list_calls(database& db, id_t tenant_id, const call_filter& f);
/// One call of the tenant, with its transcript segments.
std::optional<call_row> find_call(database& db, id_t tenant_id, id_t call_id);

}  // namespace dialer::storage
