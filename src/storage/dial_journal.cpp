#include "storage/dial_journal.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <variant>

#include "core/call_progress.hpp"
#include "storage/compliance_tx.hpp"
#include "storage/held_writes.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

/// The SET list of a lead whose dial is journalled.
const std::string lead_in_progress_set =
    "status = 'in_progress', attempts = attempts + 1, updated_at = now()";

/// The SET items closing an attempt with the error text `error`, counting it when `counts`.
std::string close_set(const std::string& error, const std::string& counts) {
  return "error = " + error + ", counts_as_attempt = " + counts + ", closed_at = now()";
}

/// The SET list of a lead taking its next step after an attempt: `status`, the attempt given
/// back unless `counts`, due again at `next_ms` when pending, `reason`, and the attempt's
/// `disposition` as its last unless none.
std::string lead_next_step_set(const std::string& status, const std::string& counts,
                               const std::string& next_ms, const std::string& reason,
                               const std::string& disposition) {
  return "status = " + status + ", attempts = CASE WHEN " + counts +
         " THEN attempts ELSE GREATEST(attempts - 1, 0) END, next_attempt_at = CASE WHEN " +
         status + " = 'pending' THEN ts_of_ms(" + next_ms +
         ") ELSE NULL END, terminal_reason = " + reason + ", last_disposition = CASE WHEN " +
         disposition + " = 'none' THEN last_disposition ELSE " + disposition +
         " END, updated_at = now()";
}

const statement candidates_sql{"journal.candidates",
                               "SELECT id, phone, attempts, priority FROM leads"
                               " WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'pending'"
                               " AND (next_attempt_at IS NULL OR next_attempt_at <= ts_of_ms($3))"
                               " AND id <> ALL ($4::bigint[])"
                               " ORDER BY priority DESC, next_attempt_at ASC NULLS FIRST, id"
                               " LIMIT $5"};

const statement earliest_pending_sql{
    "journal.earliest_pending",
    "SELECT count(*) AS pending, bool_or(next_attempt_at IS NULL) AS unscheduled,"
    " ms_of_ts(min(next_attempt_at)) AS earliest"
    " FROM leads WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'pending'"};

const statement open_leads_sql{
    "journal.open_leads",
    "SELECT count(*) FROM leads WHERE tenant_id = $1 AND campaign_id = $2"
    " AND status IN ('pending', 'in_progress')"};

const statement lock_lead_sql{
    "journal.lock_lead",
    "SELECT phone, attempts, status FROM leads"
    " WHERE tenant_id = $1 AND id = $2 AND campaign_id = $3 FOR NO KEY UPDATE"};

const statement insert_attempt_sql{
    "journal.insert_attempt",
    "INSERT INTO call_attempts (tenant_id, campaign_id, lead_id, attempt_no, state,"
    " provider_agent_id, from_number, to_number, dialing_at)"
    " VALUES ($1, $2, $3, $4, 'dialing', $5, $6, $7, now()) RETURNING id"};

// An allowed dial in one statement: the attempt (dialing), its lead in progress, and the
// decision recorded against the attempt ($8: the checks; $9: when it is dialled and $10 when
// it was decided, by the engine's clock). Returns the attempt id.
const statement journal_allowed_dial_sql{
    "journal.allowed_dial",
    "WITH attempt AS (INSERT INTO call_attempts (tenant_id, campaign_id, lead_id, attempt_no,"
    " state, provider_agent_id, from_number, to_number, dialing_at)"
    " VALUES ($1, $2, $3, $4, 'dialing', $5, $6, $7, ts_of_ms($9)) RETURNING id),"
    " lead AS (UPDATE leads SET " +
        lead_in_progress_set +
        " WHERE tenant_id = $1 AND id = $3),"
        " decision AS (INSERT INTO compliance_checks (tenant_id, campaign_id, lead_id, attempt_id,"
        " allowed, block_reason, blocked_check, checks, decided_at)"
        " SELECT $1, $2, $3, id, true, '', '', $8::jsonb, ts_of_ms($10) FROM attempt)"
        " SELECT id FROM attempt"};

const statement lead_in_progress_sql{
    "journal.lead_in_progress",
    "UPDATE leads SET " + lead_in_progress_set + " WHERE tenant_id = $1 AND id = $2"};

const statement lead_blocked_sql{
    "journal.lead_blocked",
    "UPDATE leads SET status = $3,"
    " next_attempt_at = CASE WHEN $3 = 'pending' THEN ts_of_ms($4) ELSE NULL END,"
    " terminal_reason = $5, updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 AND status = 'pending'"};

const statement dial_times_sql{
    "journal.dial_times",
    "SELECT ms_of_ts(dialing_at) FROM call_attempts WHERE tenant_id = $1 AND campaign_id = $2"
    " AND dialing_at >= ts_of_ms($3) AND state <> 'planned' ORDER BY dialing_at"};

// The journal's row locks are FOR NO KEY UPDATE: its writers of one attempt or lead wait for
// each other, but a row that only references it (an inbox row, a calls row: their foreign
// keys take KEY SHARE) does not wait for the lock holder's commit.
const statement lock_attempt_sql{
    "journal.lock_attempt",
    "SELECT lead_id, state, closed_at IS NOT NULL AS closed FROM call_attempts"
    " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE"};

// lock_attempt_sql, marking the inbox row $3 applied in the same round trip (none when 0).
const statement lock_attempt_marking_sql{
    "journal.lock_attempt_marking",
    "WITH applied AS (DELETE FROM webhook_pending WHERE id = $3)"
    " SELECT lead_id, state, closed_at IS NOT NULL AS closed FROM call_attempts"
    " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE"};

/// The UPDATE that moves an attempt to the state in placeholder `state` (never behind the
/// stored one, decided in C++ with progress_rank), noting `call_id` and the disposition
/// `outcome`; `current` says the step is not stale, so its disposition may replace one already
/// stored. `tail` follows the SET list: more SET items, if any, and the attempts it picks (by
/// default `$1` the tenant and `$2` the id).
std::string advance_attempt_text(const std::string& state, const std::string& call_id,
                                 const std::string& outcome, const std::string& current,
                                 const std::string& tail = " WHERE tenant_id = $1 AND id = $2") {
  return "UPDATE call_attempts SET state = " + state +
         ", provider_call_id = COALESCE(provider_call_id, NULLIF(" + call_id +
         ", '')), disposition = CASE WHEN " + outcome + " = 'none' THEN disposition WHEN " +
         current + " OR disposition = 'none' THEN " + outcome +
         " ELSE disposition END,"
         " registered_at = CASE WHEN " +
         state +
         " = 'registered' THEN COALESCE(registered_at, now()) ELSE registered_at END,"
         " ongoing_at = CASE WHEN " +
         state +
         " = 'ongoing' THEN COALESCE(ongoing_at, now()) ELSE ongoing_at END,"
         " ended_at = CASE WHEN " +
         state +
         " IN ('ended', 'failed', 'not_connected') THEN COALESCE(ended_at, now())"
         " ELSE ended_at END,"
         " analyzed_at = CASE WHEN " +
         state +
         " = 'analyzed' THEN COALESCE(analyzed_at, now()) ELSE analyzed_at END,"
         " in_doubt_at = CASE WHEN " +
         state +
         " = 'in_doubt' THEN COALESCE(in_doubt_at, now()) ELSE in_doubt_at END,"
         " updated_at = now()" +
         tail;
}

const statement advance_attempt_sql{"journal.advance_attempt",
                                    advance_attempt_text("$3", "$4", "$5", "$6")};

/// The SET item merging the reported value `incoming` into a calls column that is `empty`
/// when unknown ("= ''", "= 'none'", " IS NULL"): a stale report (`current` false) only fills
/// what is still missing; a current one replaces.
std::string merged(const std::string& column, const std::string& incoming,
                   const std::string& current, const std::string& empty) {
  return column + " = CASE WHEN " + incoming + empty + " THEN calls." + column + " WHEN " +
         current + " OR calls." + column + empty + " THEN " + incoming + " ELSE calls." + column +
         " END";
}

/// The calls columns a step reports, with what each holds when unknown.
const std::vector<std::pair<std::string, std::string>> reported_call_columns = {
    {"provider_status", " = ''"},   {"disconnection_reason", " = ''"}, {"disposition", " = 'none'"},
    {"started_at", " IS NULL"},     {"ended_at", " IS NULL"},          {"duration_ms", " IS NULL"},
    {"cost_cents", " IS NULL"},     {"transcript", " = ''"},           {"summary", " = ''"},
    {"sentiment", " = ''"},         {"recording_url", " = ''"},        {"in_voicemail", " IS NULL"},
    {"call_successful", " IS NULL"}};

/// Every reported column merged, the incoming value of column c being `prefix` + c.
std::string merged_call_columns(const std::string& prefix, const std::string& current) {
  std::string out;
  for (const auto& [column, empty] : reported_call_columns)
    out += merged(column, prefix + column, current, empty) + ", ";
  return out + "updated_at = now()";
}

// One statement for a step of a locked attempt: the attempt moves forward ($17: its state
// after the step, $18: the provider call id) and what the provider said is merged into its
// calls row ($3..$15; $5 is the disposition of both, $16 whether the step is current). Run
// after lock_attempt, so it reads the calls row as the lock holder left it.
const statement record_step_sql{
    "journal.record_step",
    "WITH advanced AS (" + advance_attempt_text("$17", "$18", "$5", "$16") +
        ")"
        " INSERT INTO calls (tenant_id, attempt_id, provider_status, disconnection_reason,"
        " disposition, started_at, ended_at, duration_ms, cost_cents, transcript, summary,"
        " sentiment, recording_url, in_voicemail, call_successful)"
        " VALUES ($1, $2, $3, $4, $5, ts_of_ms($6), ts_of_ms($7), $8, $9, $10, $11, $12, $13,"
        " $14, $15)"
        " ON CONFLICT (attempt_id) DO UPDATE SET " +
        merged_call_columns("EXCLUDED.", "$16") + " WHERE calls.tenant_id = EXCLUDED.tenant_id"};

// Locks the attempts ($1 tenants, $2 ids, pairwise) in id order and reads their states,
// marking the inbox rows $3 applied in the same round trip. The statements over arrays name
// their rows with "= ANY" too, so that the plan looks them up by key whatever it guesses of
// the arrays' size.
const statement lock_attempts_marking_sql{
    "journal.lock_attempts_marking",
    "WITH applied AS (DELETE FROM webhook_pending WHERE id = ANY ($3::bigint[]))"
    " SELECT a.tenant_id, a.id, a.lead_id, a.state, a.closed_at IS NOT NULL AS closed"
    " FROM call_attempts a"
    " JOIN unnest($1::bigint[], $2::bigint[]) AS k (tenant_id, id)"
    " ON a.tenant_id = k.tenant_id AND a.id = k.id WHERE a.id = ANY ($2::bigint[])"
    " ORDER BY a.id FOR NO KEY UPDATE OF a"};

// record_step_sql for many locked attempts at once, at most one step each: every array holds
// one element per step. The calls row of a first step is inserted whole; one that exists is
// merged (the UPDATE does not see the rows the INSERT adds: one snapshot per statement).
const statement record_steps_sql{
    "journal.record_steps",
    "WITH u AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
    " $5::boolean[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[],"
    " $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[],"
    " $17::boolean[], $18::boolean[])"
    " AS u (s_tenant, s_attempt, s_state, s_call_id, s_current, s_provider_status,"
    " s_disconnection_reason, s_disposition, s_started_ms, s_ended_ms, s_duration_ms,"
    " s_cost_cents, s_transcript, s_summary, s_sentiment, s_recording_url, s_in_voicemail,"
    " s_call_successful)),"
    " s AS (SELECT u.*, ts_of_ms(s_started_ms) AS s_started_at, ts_of_ms(s_ended_ms) AS s_ended_at"
    " FROM u),"
    " advanced AS (" +
        advance_attempt_text("s_state", "s_call_id", "s_disposition", "s_current",
                             " FROM s WHERE id = ANY ($2::bigint[]) AND id = s_attempt"
                             " AND tenant_id = s_tenant") +
        "),"
        " fresh AS (INSERT INTO calls (tenant_id, attempt_id, provider_status,"
        " disconnection_reason, disposition, started_at, ended_at, duration_ms, cost_cents,"
        " transcript, summary, sentiment, recording_url, in_voicemail, call_successful)"
        " SELECT s_tenant, s_attempt, s_provider_status, s_disconnection_reason, s_disposition,"
        " s_started_at, s_ended_at, s_duration_ms, s_cost_cents, s_transcript, s_summary,"
        " s_sentiment, s_recording_url, s_in_voicemail, s_call_successful FROM s"
        " ON CONFLICT (attempt_id) DO NOTHING)"
        " UPDATE calls SET " +
        merged_call_columns("s_", "s_current") +
        " FROM s WHERE calls.attempt_id = ANY ($2::bigint[]) AND calls.attempt_id = s_attempt"
        " AND calls.tenant_id = s_tenant"};

// journal_registered for many locked attempts at once, at most one each: the state ($3, never
// behind the stored one) and the provider call id ($4), one element per attempt.
const statement register_attempts_sql{
    "journal.register_attempts",
    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])"
    " AS r (r_tenant, r_attempt, r_state, r_call_id)) " +
        advance_attempt_text("r_state", "r_call_id", "'none'", "false",
                             " FROM r WHERE id = ANY ($2::bigint[]) AND id = r_attempt"
                             " AND tenant_id = r_tenant")};

// close_attempt for many locked, open attempts at once, at most one close each: the attempt
// takes its final state ($3, never behind the stored one), disposition ($4), error ($5) and
// whether it counts ($6); its lead ($7), if still in progress, its next step ($8 status, $9
// next attempt at, $10 terminal reason).
const statement close_attempts_sql{
    "journal.close_attempts",
    "WITH c AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
    " $5::text[], $6::boolean[], $7::bigint[], $8::text[], $9::bigint[], $10::text[])"
    " AS c (c_tenant, c_attempt, c_state, c_disposition, c_error, c_counts, c_lead, c_status,"
    " c_next_ms, c_terminal_reason)),"
    " closed AS (" +
        advance_attempt_text("c_state", "''", "c_disposition", "true",
                             ", " + close_set("c_error", "c_counts") +
                                 " FROM c WHERE id = ANY ($2::bigint[]) AND id = c_attempt"
                                 " AND tenant_id = c_tenant") +
        ") UPDATE leads SET " +
        lead_next_step_set("c_status", "c_counts", "c_next_ms", "c_terminal_reason",
                           "c_disposition") +
        " FROM c WHERE leads.id = ANY ($7::bigint[]) AND leads.id = c_lead"
        " AND leads.tenant_id = c_tenant AND leads.status = 'in_progress'"};

// For store_segments of many attempts ($1 tenants, $2 ids): the calls rows the turns hang
// on, the old turns gone, then every new turn ($3..$7, one element per turn).
const statement ensure_calls_sql{
    "journal.ensure_calls",
    "INSERT INTO calls (tenant_id, attempt_id)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT (attempt_id) DO NOTHING"};

const statement delete_segments_of_sql{
    "journal.delete_segments_of",
    "DELETE FROM call_segments d USING unnest($1::bigint[], $2::bigint[]) AS k (tenant_id, id)"
    " WHERE d.attempt_id = ANY ($2::bigint[]) AND d.tenant_id = k.tenant_id AND d.attempt_id = "
    "k.id"};

const statement insert_segments_of_sql{
    "journal.insert_segments_of",
    "INSERT INTO call_segments (tenant_id, attempt_id, seq, role, content)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::text[])"};

const statement ensure_call_sql{"journal.ensure_call",
                                "INSERT INTO calls (tenant_id, attempt_id) VALUES ($1, $2) ON "
                                "CONFLICT (attempt_id) DO NOTHING"};

const statement delete_segments_sql{
    "journal.delete_segments",
    "DELETE FROM call_segments WHERE tenant_id = $1 AND attempt_id = $2"};

const statement insert_segments_sql{
    "journal.insert_segments",
    "INSERT INTO call_segments (tenant_id, attempt_id, seq, role, content)"
    " SELECT $1, $2, s, r, c FROM unnest($3::integer[], $4::text[], $5::text[]) AS g (s, r, c)"};

const statement close_attempt_sql{"journal.close_attempt",
                                  "UPDATE call_attempts SET " + close_set("$3", "$4") +
                                      ", updated_at = now() WHERE tenant_id = $1 AND id = $2"};

// A dial journalled and never sent (a standby withdrawn) goes back to planned, closed without
// counting; an attempt the provider has (a call id) or already closed is left alone.
const statement withdraw_attempt_sql{
    "journal.withdraw_attempt",
    "UPDATE call_attempts SET state = 'planned', " + close_set("$3", "false") +
        ", updated_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'dialing'"
        " AND provider_call_id IS NULL AND closed_at IS NULL RETURNING lead_id"};

// Only a lead still in progress takes the step: one cancelled meanwhile stays cancelled.
const statement lead_next_step_sql{
    "journal.lead_next_step", "UPDATE leads SET " +
                                  lead_next_step_set("$3", "$4", "$5", "$6", "$7") +
                                  " WHERE tenant_id = $1 AND id = $2 AND status = 'in_progress'"};

const std::string attempt_columns =
    "id, tenant_id, COALESCE(campaign_id, 0) AS campaign_id, lead_id, attempt_no, from_number,"
    " to_number, provider_agent_id, state, COALESCE(provider_call_id, '') AS provider_call_id";

const statement find_attempt_sql{"journal.find_attempt",
                                 "SELECT " + attempt_columns + " FROM call_attempts WHERE id = $1"};

const statement mark_in_doubt_sql{
    "journal.mark_in_doubt",
    "UPDATE call_attempts SET state = 'in_doubt', in_doubt_at = now(), updated_at = now()"
    " WHERE state = 'dialing' AND closed_at IS NULL RETURNING " +
        attempt_columns};

const statement open_attempts_sql{
    "journal.open_attempts",
    "SELECT " + attempt_columns +
        " FROM call_attempts WHERE tenant_id = $1 AND campaign_id = $2 AND closed_at IS NULL"
        " ORDER BY id"};

const statement campaigns_with_open_attempts_sql{
    "journal.campaigns_with_open_attempts",
    "SELECT DISTINCT tenant_id, campaign_id FROM call_attempts"
    " WHERE closed_at IS NULL AND campaign_id IS NOT NULL ORDER BY campaign_id"};

const std::string call_filter_clause =
    " WHERE a.tenant_id = $1"
    " AND ($2::text = '' OR a.state = $2)"
    " AND ($3::bigint IS NULL OR a.campaign_id = $3)"
    " AND ($4::bigint IS NULL OR a.lead_id = $4)"
    " AND ($5::timestamptz IS NULL OR a.created_at >= $5)"
    " AND ($6::timestamptz IS NULL OR a.created_at < $6)";

const std::string call_columns =
    "a.id, a.tenant_id, COALESCE(a.campaign_id, 0) AS campaign_id, a.lead_id, a.attempt_no,"
    " COALESCE(a.provider_call_id, '') AS provider_call_id, a.state, a.from_number, a.to_number,"
    " k.disconnection_reason, a.disposition, k.duration_ms, k.cost_cents, k.summary,"
    " k.sentiment, k.transcript, k.recording_url, iso_utc(a.created_at) AS created_at,"
    " iso_utc(k.started_at) AS started_at, iso_utc(k.ended_at) AS ended_at";

const std::string calls_from =
    " FROM call_attempts a"
    " LEFT JOIN calls k ON k.tenant_id = a.tenant_id AND k.attempt_id = a.id";

const statement count_calls_sql{"journal.count_calls",
                                "SELECT count(*) FROM call_attempts a" + call_filter_clause};

const statement list_calls_sql{"journal.list_calls",
                               "SELECT " + call_columns + calls_from + call_filter_clause +
                                   " ORDER BY a.created_at DESC, a.id DESC LIMIT $7 OFFSET $8"};

const statement find_call_sql{"journal.find_call", "SELECT " + call_columns + calls_from +
                                                       " WHERE a.tenant_id = $1 AND a.id = $2"};

const statement segments_sql{
    "journal.segments",
    "SELECT seq, role, content FROM call_segments WHERE tenant_id = $1 AND attempt_id = $2"
    " ORDER BY seq"};

dial_candidate candidate_of(const pqxx::row& r) {
  dial_candidate c;
  c.lead_id = r["id"].as<id_t>();
  c.phone = text_of(r["phone"]);
  c.attempts = r["attempts"].as<std::int32_t>();
  c.priority = r["priority"].as<std::int32_t>();
  return c;
}

attempt_row attempt_of(const pqxx::row& r) {
  attempt_row a;
  a.attempt.attempt_id = r["id"].as<id_t>();
  a.attempt.tenant_id = r["tenant_id"].as<id_t>();
  a.attempt.campaign_id = r["campaign_id"].as<id_t>();
  a.attempt.lead_id = r["lead_id"].as<id_t>();
  a.attempt.attempt_no = r["attempt_no"].as<std::int32_t>();
  a.attempt.from_number = text_of(r["from_number"]);
  a.attempt.to_number = text_of(r["to_number"]);
  a.attempt.provider_agent_id = text_of(r["provider_agent_id"]);
  a.state = parse_attempt_state(text_of(r["state"])).value_or(attempt_state::planned);
  a.provider_call_id = text_of(r["provider_call_id"]);
  return a;
}

call_row call_of(const pqxx::row& r) {
  call_row c;
  c.id = r["id"].as<id_t>();
  c.tenant_id = r["tenant_id"].as<id_t>();
  c.campaign_id = r["campaign_id"].as<id_t>();
  c.lead_id = r["lead_id"].as<id_t>();
  c.attempt_no = r["attempt_no"].as<std::int32_t>();
  c.provider_call_id = text_of(r["provider_call_id"]);
  c.state = text_of(r["state"]);
  c.from_number = text_of(r["from_number"]);
  c.to_number = text_of(r["to_number"]);
  c.disconnection_reason = text_of(r["disconnection_reason"]);
  c.disposition = text_of(r["disposition"]);
  c.duration_ms = optional_of<std::int64_t>(r["duration_ms"]);
  c.cost_cents = optional_of<std::int64_t>(r["cost_cents"]);
  c.summary = text_of(r["summary"]);
  c.sentiment = text_of(r["sentiment"]);
  c.transcript = text_of(r["transcript"]);
  c.recording_url = text_of(r["recording_url"]);
  c.created_at = text_of(r["created_at"]);
  c.started_at = optional_text_of(r["started_at"]);
  c.ended_at = optional_text_of(r["ended_at"]);
  return c;
}

segment_row segment_of(const pqxx::row& r) {
  segment_row s;
  s.seq = r["seq"].as<std::int32_t>();
  s.role = text_of(r["role"]);
  s.content = text_of(r["content"]);
  return s;
}

/// The attempt's journal entry locked for this transaction, if the tenant has it.
struct locked_attempt {
  id_t lead_id = 0;
  attempt_state state = attempt_state::planned;
  bool closed = false;
};

/// Locks an attempt's row for the rest of the transaction and reads it; with `applied_inbox_id`
/// the inbox row is marked applied by the same statement.
std::optional<locked_attempt> lock_attempt(pqxx::dbtransaction& tx, id_t tenant_id, id_t attempt_id,
                                           id_t applied_inbox_id = 0) {
  auto r = applied_inbox_id
               ? run(tx, lock_attempt_marking_sql, tenant_id, attempt_id, applied_inbox_id)
               : run(tx, lock_attempt_sql, tenant_id, attempt_id);
  if (r.empty()) return std::nullopt;
  locked_attempt a;
  a.lead_id = r[0]["lead_id"].as<id_t>();
  a.state = parse_attempt_state(text_of(r[0]["state"])).value_or(attempt_state::planned);
  a.closed = r[0]["closed"].as<bool>();
  return a;
}

}  // namespace

std::vector<dial_candidate> next_dial_candidates(database& db, id_t tenant_id, id_t campaign_id,
                                                 epoch_ms now, std::int32_t limit,
                                                 const std::vector<id_t>& exclude) {
  std::vector<dial_candidate> candidates;
  const std::string excluded = id_array(exclude);
  db.transact([&](pqxx::dbtransaction& tx) {
    candidates = all_of<dial_candidate>(
        run(tx, candidates_sql, tenant_id, campaign_id, now, excluded, non_negative(limit)),
        candidate_of);
  });
  return candidates;
}

std::optional<epoch_ms> earliest_pending_at(database& db, id_t tenant_id, id_t campaign_id) {
  std::optional<epoch_ms> earliest;
  db.transact([&](pqxx::dbtransaction& tx) {
    auto r = run(tx, earliest_pending_sql, tenant_id, campaign_id)[0];
    earliest.reset();
    if (r["pending"].as<std::int64_t>() == 0) return;
    // A pending lead never scheduled is due since forever.
    earliest = r["unscheduled"].as<bool>() ? epoch_ms{0} : r["earliest"].as<epoch_ms>();
  });
  return earliest;
}

std::int64_t open_lead_count(database& db, id_t tenant_id, id_t campaign_id) {
  std::int64_t open = 0;
  db.transact([&](pqxx::dbtransaction& tx) {
    open = run(tx, open_leads_sql, tenant_id, campaign_id)[0][0].as<std::int64_t>();
  });
  return open;
}

std::optional<dial_attempt> journal_dialing(database& db, const campaign_plan& plan,
                                            const dial_candidate& lead) {
  std::optional<dial_attempt> journalled;
  db.transact([&](pqxx::dbtransaction& tx) {
    journalled.reset();
    // The row lock makes a concurrent journal_dialing of the same lead wait for this
    // transaction, then see the lead in_progress and give up: at most one attempt is open.
    auto locked = run(tx, lock_lead_sql, plan.tenant_id, lead.lead_id, plan.id);
    if (locked.empty() || text_of(locked[0]["status"]) != name_of(lead_status::pending)) return;

    dial_attempt a;
    a.tenant_id = plan.tenant_id;
    a.campaign_id = plan.id;
    a.lead_id = lead.lead_id;
    a.attempt_no = locked[0]["attempts"].as<std::int32_t>() + 1;
    a.from_number = plan.from_number;
    a.to_number = text_of(locked[0]["phone"]);
    a.provider_agent_id = plan.provider_agent_id;
    a.attempt_id = run(tx, insert_attempt_sql, a.tenant_id, a.campaign_id, a.lead_id, a.attempt_no,
                       a.provider_agent_id, a.from_number, a.to_number)[0][0]
                       .as<id_t>();
    run(tx, lead_in_progress_sql, a.tenant_id, a.lead_id);
    journalled = std::move(a);
  });
  return journalled;
}

gated_dial journal_dialing(database& db, const campaign_plan& plan, const dial_candidate& lead,
                           epoch_ms attempts_since, epoch_ms now, const dial_gate& gate,
                           epoch_ms dialled_by) {
  gated_dial out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = gated_dial{};
    // The lead row stays locked until commit: a concurrent journal_dialing of the same lead
    // waits, then sees it in progress and gives up.
    auto facts = read_lead_dial_facts(tx, plan.tenant_id, lead.lead_id, attempts_since, true);
    if (!facts || facts->campaign_id != plan.id || facts->status != name_of(lead_status::pending))
      return;
    auto verdict = gate(facts->subject);
    if (!verdict.decision.allowed) {
      auto step = next_step_when_blocked(verdict.decision, now);
      run(tx, lead_blocked_sql, plan.tenant_id, lead.lead_id, name_of(step.status),
          step.next_attempt_at, step.terminal_reason);
      compliance_check_record record;
      record.tenant_id = plan.tenant_id;
      record.campaign_id = plan.id;
      record.lead_id = lead.lead_id;
      record.verdict = verdict;
      record.decided_at = now;
      record_compliance_check(tx, record);
      out.verdict = std::move(verdict);
      return;
    }
    dial_attempt a;
    a.tenant_id = plan.tenant_id;
    a.campaign_id = plan.id;
    a.lead_id = lead.lead_id;
    a.attempt_no = facts->attempts + 1;
    a.from_number = plan.from_number;
    a.to_number = facts->subject.phone;
    a.provider_agent_id = plan.provider_agent_id;
    a.decided_at = now;
    a.attempt_id =
        run(tx, journal_allowed_dial_sql, a.tenant_id, a.campaign_id, a.lead_id, a.attempt_no,
            a.provider_agent_id, a.from_number, a.to_number, checks_json(verdict.decision),
            std::max(now, dialled_by), now)[0][0]
            .as<id_t>();
    out.attempt = std::move(a);
    out.verdict = std::move(verdict);
  });
  return out;
}

std::vector<epoch_ms> dial_times_since(database& db, id_t tenant_id, id_t campaign_id,
                                       epoch_ms since) {
  std::vector<epoch_ms> times;
  db.transact([&](pqxx::dbtransaction& tx) {
    times = all_of<epoch_ms>(run(tx, dial_times_sql, tenant_id, campaign_id, since),
                             [](const pqxx::row& r) { return r[0].as<epoch_ms>(); });
  });
  return times;
}

void journal_registered(database& db, id_t tenant_id, id_t attempt_id,
                        const std::string& provider_call_id) {
  if (auto* held = group_held_writes()) {
    held->hold(held_registration{tenant_id, attempt_id, provider_call_id});
    return;
  }
  db.transact([&](pqxx::dbtransaction& tx) {
    auto locked = lock_attempt(tx, tenant_id, attempt_id);
    if (!locked) return;
    run(tx, advance_attempt_sql, tenant_id, attempt_id,
        name_of(later_state(locked->state, attempt_state::registered)), provider_call_id,
        name_of(disposition::none), false);
  });
}

void record_call_progress(database& db, id_t tenant_id, id_t attempt_id, attempt_state state,
                          disposition outcome, const provider_call& call, id_t applied_inbox_id) {
  if (auto* held = group_held_writes()) {
    held->hold(held_step{tenant_id, attempt_id, state, outcome, call, applied_inbox_id});
    return;
  }
  db.transact([&](pqxx::dbtransaction& tx) {
    auto locked = lock_attempt(tx, tenant_id, attempt_id, applied_inbox_id);
    if (!locked) return;
    const bool current = progress_rank(state) >= progress_rank(locked->state);
    run(tx, record_step_sql, tenant_id, attempt_id, call.call_status, call.disconnection_reason,
        name_of(outcome), call.start_timestamp, call.end_timestamp, call.duration_ms,
        call.cost_cents, call.transcript, call.call_summary, call.user_sentiment,
        call.recording_url, call.in_voicemail, call.call_successful, current,
        name_of(later_state(locked->state, state)), call.call_id);
  });
}

void store_segments(database& db, id_t tenant_id, id_t attempt_id,
                    const std::vector<segment_row>& segments) {
  if (auto* held = group_held_writes()) {
    held->hold(held_segments{tenant_id, attempt_id, segments});
    return;
  }
  db.transact([&](pqxx::dbtransaction& tx) {
    if (!lock_attempt(tx, tenant_id, attempt_id)) return;
    run(tx, ensure_call_sql, tenant_id, attempt_id);
    run(tx, delete_segments_sql, tenant_id, attempt_id);
    if (segments.empty()) return;
    std::vector<std::int32_t> seqs;
    std::vector<std::string> roles;
    std::vector<std::string> contents;
    for (const auto& s : segments) {
      seqs.push_back(s.seq);
      roles.push_back(s.role);
      contents.push_back(s.content);
    }
    run(tx, insert_segments_sql, tenant_id, attempt_id, int_array(seqs), text_array(roles),
        text_array(contents));
  });
}

void close_attempt(database& db, id_t tenant_id, id_t attempt_id, attempt_state final_state,
                   disposition outcome, const std::string& error, const lead_next_step& next) {
  if (auto* held = group_held_writes()) {
    held->hold(held_close{tenant_id, attempt_id, final_state, outcome, error, next});
    return;
  }
  db.transact([&](pqxx::dbtransaction& tx) {
    auto locked = lock_attempt(tx, tenant_id, attempt_id);
    // Closing twice must not apply the lead's step twice (e.g. give an attempt back twice).
    if (!locked || locked->closed) return;
    run(tx, advance_attempt_sql, tenant_id, attempt_id,
        name_of(later_state(locked->state, final_state)), std::string{}, name_of(outcome), true);
    run(tx, close_attempt_sql, tenant_id, attempt_id, error, next.counts_as_attempt);
    run(tx, lead_next_step_sql, tenant_id, locked->lead_id, name_of(next.status),
        next.counts_as_attempt, next.next_attempt_at, next.terminal_reason, name_of(outcome));
  });
}

bool withdraw_attempt(database& db, id_t tenant_id, id_t attempt_id, const std::string& error,
                      const lead_next_step& next) {
  bool withdrawn = false;
  db.transact([&](pqxx::dbtransaction& tx) {
    auto r = run(tx, withdraw_attempt_sql, tenant_id, attempt_id, error);
    withdrawn = !r.empty();
    if (!withdrawn) return;
    run(tx, lead_next_step_sql, tenant_id, r[0][0].as<id_t>(), name_of(next.status), false,
        next.next_attempt_at, next.terminal_reason, name_of(disposition::none));
  });
  return withdrawn;
}

std::optional<attempt_row> find_attempt(database& db, id_t attempt_id) {
  std::optional<attempt_row> found;
  db.read([&](pqxx::transaction_base& tx) {
    found = first_of<attempt_row>(run(tx, find_attempt_sql, attempt_id), attempt_of);
  });
  return found;
}

std::vector<attempt_row> mark_dialing_in_doubt(database& db) {
  std::vector<attempt_row> marked;
  db.transact([&](pqxx::dbtransaction& tx) {
    marked = all_of<attempt_row>(run(tx, mark_in_doubt_sql), attempt_of);
  });
  std::sort(marked.begin(), marked.end(), [](const attempt_row& a, const attempt_row& b) {
    return a.attempt.attempt_id < b.attempt.attempt_id;
  });
  return marked;
}

std::vector<attempt_row> open_attempts(database& db, id_t tenant_id, id_t campaign_id) {
  std::vector<attempt_row> open;
  db.transact([&](pqxx::dbtransaction& tx) {
    open = all_of<attempt_row>(run(tx, open_attempts_sql, tenant_id, campaign_id), attempt_of);
  });
  return open;
}

std::vector<std::pair<id_t, id_t>> campaigns_with_open_attempts(database& db) {
  std::vector<std::pair<id_t, id_t>> out;
  db.transact([&](pqxx::dbtransaction& tx) {
    for (const auto& row : run(tx, campaigns_with_open_attempts_sql))
      out.emplace_back(row[0].as<id_t>(), row[1].as<id_t>());
  });
  return out;
}

page<call_row> list_calls(database& db, id_t tenant_id, const call_filter& f) {
  page<call_row> result;
  db.transact([&](pqxx::dbtransaction& tx) {
    result.total = run(tx, count_calls_sql, tenant_id, f.status, f.campaign_id, f.lead_id,
                       f.from_date, f.to_date)[0][0]
                       .as<std::int64_t>();
    result.items =
        all_of<call_row>(run(tx, list_calls_sql, tenant_id, f.status, f.campaign_id, f.lead_id,
                             f.from_date, f.to_date, non_negative(f.limit), non_negative(f.offset)),
                         call_of);
  });
  return result;
}

std::optional<call_row> find_call(database& db, id_t tenant_id, id_t call_id) {
  std::optional<call_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<call_row>(run(tx, find_call_sql, tenant_id, call_id), call_of);
    if (found)
      found->segments = all_of<segment_row>(run(tx, segments_sql, tenant_id, call_id), segment_of);
  });
  return found;
}

namespace {

/// An attempt as (tenant, id).
using attempt_key = std::pair<id_t, id_t>;

/// What the lock statement read of an attempt, followed forward as held changes apply.
struct locked_row {
  id_t lead_id = 0;
  attempt_state state = attempt_state::planned;
  bool closed = false;
};

using locked_rows = std::map<attempt_key, locked_row>;

attempt_key key_of(const held_change& c) {
  return std::visit([](const auto& v) { return attempt_key{v.tenant_id, v.attempt_id}; }, c);
}

/// The held changes in rounds: each attempt at most once per round, its changes in the order
/// held. Changes of attempts not in `locked` (another tenant's, or unknown) are left out, as
/// record_call_progress and close_attempt leave them.
std::vector<std::vector<const held_change*>> rounds_of(const std::vector<held_change>& changes,
                                                       const locked_rows& locked) {
  std::vector<std::vector<const held_change*>> rounds;
  std::map<attempt_key, std::size_t> seen;
  for (const auto& change : changes) {
    auto key = key_of(change);
    if (!locked.count(key)) continue;
    auto round = seen[key]++;
    if (rounds.size() <= round) rounds.emplace_back();
    rounds[round].push_back(&change);
  }
  return rounds;
}

/// record_steps_sql for the steps of one round; `locked` follows each attempt's state.
void record_steps(pqxx::transaction_base& tx, const std::vector<const held_step*>& round,
                  locked_rows& locked) {
  if (round.empty()) return;
  std::vector<id_t> tenants, attempts;
  std::vector<std::string> states, call_ids, statuses, reasons, outcomes, transcripts, summaries,
      sentiments, recordings;
  std::vector<bool> current;
  std::vector<std::optional<std::int64_t>> started, ended, durations, costs;
  std::vector<std::optional<bool>> voicemail, successful;
  for (const auto* step : round) {
    auto& state = locked[{step->tenant_id, step->attempt_id}].state;
    const auto& call = step->call;
    tenants.push_back(step->tenant_id);
    attempts.push_back(step->attempt_id);
    current.push_back(progress_rank(step->state) >= progress_rank(state));
    state = later_state(state, step->state);
    states.push_back(name_of(state));
    call_ids.push_back(call.call_id);
    statuses.push_back(call.call_status);
    reasons.push_back(call.disconnection_reason);
    outcomes.push_back(name_of(step->outcome));
    started.push_back(call.start_timestamp);
    ended.push_back(call.end_timestamp);
    durations.push_back(call.duration_ms);
    costs.push_back(call.cost_cents);
    transcripts.push_back(call.transcript);
    summaries.push_back(call.call_summary);
    sentiments.push_back(call.user_sentiment);
    recordings.push_back(call.recording_url);
    voicemail.push_back(call.in_voicemail);
    successful.push_back(call.call_successful);
  }
  run(tx, record_steps_sql, id_array(tenants), id_array(attempts), text_array(states),
      text_array(call_ids), bool_array(current), text_array(statuses), text_array(reasons),
      text_array(outcomes), optional_int64_array(started), optional_int64_array(ended),
      optional_int64_array(durations), optional_int64_array(costs), text_array(transcripts),
      text_array(summaries), text_array(sentiments), text_array(recordings),
      optional_bool_array(voicemail), optional_bool_array(successful));
}

/// register_attempts_sql for the registrations of one round; `locked` follows each state.
void register_attempts(pqxx::transaction_base& tx,
                       const std::vector<const held_registration*>& round, locked_rows& locked) {
  if (round.empty()) return;
  std::vector<id_t> tenants, attempts;
  std::vector<std::string> states, call_ids;
  for (const auto* r : round) {
    auto& state = locked[{r->tenant_id, r->attempt_id}].state;
    state = later_state(state, attempt_state::registered);
    tenants.push_back(r->tenant_id);
    attempts.push_back(r->attempt_id);
    states.push_back(name_of(state));
    call_ids.push_back(r->provider_call_id);
  }
  run(tx, register_attempts_sql, id_array(tenants), id_array(attempts), text_array(states),
      text_array(call_ids));
}

/// close_attempts_sql for the closes of one round; an attempt already closed is left as it is
/// (closing twice must not apply the lead's step twice).
void close_attempts(pqxx::transaction_base& tx, const std::vector<const held_close*>& round,
                    locked_rows& locked) {
  std::vector<id_t> tenants, attempts, leads;
  std::vector<std::string> states, outcomes, errors, statuses, reasons;
  std::vector<bool> counts;
  std::vector<std::optional<std::int64_t>> next_at;
  for (const auto* close : round) {
    auto& row = locked[{close->tenant_id, close->attempt_id}];
    if (row.closed) continue;
    row.closed = true;
    row.state = later_state(row.state, close->final_state);
    tenants.push_back(close->tenant_id);
    attempts.push_back(close->attempt_id);
    states.push_back(name_of(row.state));
    outcomes.push_back(name_of(close->outcome));
    errors.push_back(close->error);
    counts.push_back(close->next.counts_as_attempt);
    leads.push_back(row.lead_id);
    statuses.push_back(name_of(close->next.status));
    next_at.push_back(close->next.next_attempt_at);
    reasons.push_back(close->next.terminal_reason);
  }
  if (attempts.empty()) return;
  run(tx, close_attempts_sql, id_array(tenants), id_array(attempts), text_array(states),
      text_array(outcomes), text_array(errors), bool_array(counts), id_array(leads),
      text_array(statuses), optional_int64_array(next_at), text_array(reasons));
}

/// Writes one round: its registrations, steps and closes concern different attempts.
void write_round(pqxx::transaction_base& tx, const std::vector<const held_change*>& round,
                 locked_rows& locked) {
  std::vector<const held_registration*> registrations;
  std::vector<const held_step*> steps;
  std::vector<const held_close*> closes;
  for (const auto* change : round) {
    if (const auto* r = std::get_if<held_registration>(change))
      registrations.push_back(r);
    else if (const auto* step = std::get_if<held_step>(change))
      steps.push_back(step);
    else
      closes.push_back(&std::get<held_close>(*change));
  }
  register_attempts(tx, registrations, locked);
  record_steps(tx, steps, locked);
  close_attempts(tx, closes, locked);
}

/// store_segments for every attempt in `latest` (its last turns held) that is in `locked`.
void replace_segments(pqxx::transaction_base& tx,
                      const std::map<attempt_key, const held_segments*>& latest,
                      const locked_rows& locked) {
  std::vector<id_t> tenants, attempts, turn_tenants, turn_attempts;
  std::vector<std::int32_t> seqs;
  std::vector<std::string> roles, contents;
  for (const auto& [key, held] : latest) {
    if (!locked.count(key)) continue;
    tenants.push_back(key.first);
    attempts.push_back(key.second);
    for (const auto& turn : held->segments) {
      turn_tenants.push_back(key.first);
      turn_attempts.push_back(key.second);
      seqs.push_back(turn.seq);
      roles.push_back(turn.role);
      contents.push_back(turn.content);
    }
  }
  if (attempts.empty()) return;
  run(tx, ensure_calls_sql, id_array(tenants), id_array(attempts));
  run(tx, delete_segments_of_sql, id_array(tenants), id_array(attempts));
  if (!seqs.empty())
    run(tx, insert_segments_of_sql, id_array(turn_tenants), id_array(turn_attempts),
        int_array(seqs), text_array(roles), text_array(contents));
}

}  // namespace

void write_held(pqxx::transaction_base& tx, const std::vector<held_change>& changes,
                const std::vector<held_segments>& segments) {
  // Every attempt concerned, locked in id order, and every webhook applied, in one statement.
  std::map<attempt_key, const held_segments*> latest_segments;
  for (const auto& s : segments) latest_segments[{s.tenant_id, s.attempt_id}] = &s;
  std::map<attempt_key, bool> keys;
  std::vector<id_t> inbox_ids;
  for (const auto& change : changes) {
    keys[key_of(change)] = true;
    if (const auto* step = std::get_if<held_step>(&change); step && step->applied_inbox_id)
      inbox_ids.push_back(step->applied_inbox_id);
  }
  for (const auto& entry : latest_segments) keys[entry.first] = true;
  std::vector<id_t> tenants, attempts;
  for (const auto& entry : keys) {
    tenants.push_back(entry.first.first);
    attempts.push_back(entry.first.second);
  }
  locked_rows locked;
  for (const auto& r : run(tx, lock_attempts_marking_sql, id_array(tenants), id_array(attempts),
                           id_array(inbox_ids)))
    locked[{r["tenant_id"].as<id_t>(), r["id"].as<id_t>()}] =
        locked_row{r["lead_id"].as<id_t>(),
                   parse_attempt_state(text_of(r["state"])).value_or(attempt_state::planned),
                   r["closed"].as<bool>()};
  for (const auto& round : rounds_of(changes, locked)) write_round(tx, round, locked);
  replace_segments(tx, latest_segments, locked);
}

}  // namespace dialer::storage
