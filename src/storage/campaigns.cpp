#include "storage/campaigns.hpp"

#include <algorithm>

#include "core/call_progress.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

const std::string campaign_columns =
    "id, tenant_id, name, agent_id, from_number, timezone, iso_utc(start_date) AS start_date,"
    " iso_utc(end_date) AS end_date, quiet_hours::text AS quiet_hours, max_concurrent_calls,"
    " max_calls_per_hour, max_calls_per_day, calls_per_second, budget_cents,"
    " est_cost_per_call_cents, max_attempts, retry_no_answer_s, retry_busy_s, retry_voicemail_s,"
    " retry_failed_s, lead_filters::text AS lead_filters, exclude_dnc, metadata::text AS metadata,"
    " status, kind, iso_utc(created_at) AS created_at, iso_utc(updated_at) AS updated_at";

const statement insert_campaign_sql{
    "campaigns.insert",
    "INSERT INTO campaigns (tenant_id, name, agent_id, from_number, timezone, start_date,"
    " end_date, quiet_hours, max_concurrent_calls, max_calls_per_hour, max_calls_per_day,"
    " calls_per_second, budget_cents, est_cost_per_call_cents, max_attempts, retry_no_answer_s,"
    " retry_busy_s, retry_voicemail_s, retry_failed_s, lead_filters, exclude_dnc, metadata,"
    " status)"
    " VALUES ($1, $2, $3, $4, COALESCE(NULLIF($5, ''), 'UTC'), $6::timestamptz,"
    " $7::timestamptz, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
    " $20::jsonb, $21, $22::jsonb, 'draft')"
    " RETURNING " +
        campaign_columns};

// The lists show campaigns proper: outbound calls are reached by id (and through /calls).
const statement count_campaigns_sql{"campaigns.count",
                                    "SELECT count(*) FROM campaigns WHERE tenant_id = $1"
                                    " AND kind = 'campaign' AND ($2::text = '' OR status = $2)"};

const statement list_campaigns_sql{
    "campaigns.list",
    "SELECT " + campaign_columns +
        " FROM campaigns WHERE tenant_id = $1 AND kind = 'campaign'"
        " AND ($2::text = '' OR status = $2) ORDER BY id DESC LIMIT $3 OFFSET $4"};

const statement find_campaign_sql{
    "campaigns.find",
    "SELECT " + campaign_columns + " FROM campaigns WHERE tenant_id = $1 AND id = $2"};

const statement transition_campaign_sql{
    "campaigns.transition",
    "UPDATE campaigns SET status = $4, updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 AND status = $3 RETURNING " +
        campaign_columns};

const statement lock_campaign_sql{
    "campaigns.lock", "SELECT status FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE"};

const statement update_campaign_sql{
    "campaigns.update",
    "UPDATE campaigns SET name = $3, agent_id = $4, from_number = $5,"
    " timezone = COALESCE(NULLIF($6, ''), 'UTC'), start_date = $7::timestamptz,"
    " end_date = $8::timestamptz, quiet_hours = $9::jsonb, max_concurrent_calls = $10,"
    " max_calls_per_hour = $11, max_calls_per_day = $12, calls_per_second = $13,"
    " budget_cents = $14, est_cost_per_call_cents = $15, max_attempts = $16,"
    " retry_no_answer_s = $17, retry_busy_s = $18, retry_voicemail_s = $19, retry_failed_s = $20,"
    " lead_filters = $21::jsonb, exclude_dnc = $22, metadata = $23::jsonb, updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " +
        campaign_columns};

const statement campaigns_in_status_sql{
    "campaigns.in_status",
    "SELECT " + campaign_columns + " FROM campaigns WHERE status = $1 ORDER BY id"};

const statement load_plan_sql{
    "campaigns.load_plan",
    "SELECT c.id, c.tenant_id, c.name, c.status, c.from_number,"
    " a.retell_agent_id AS provider_agent_id, c.max_concurrent_calls, c.max_attempts,"
    " c.retry_no_answer_s, c.retry_busy_s, c.retry_voicemail_s, c.retry_failed_s,"
    " ms_of_ts(c.start_date) AS start_ms, ms_of_ts(c.end_date) AS end_ms, c.timezone,"
    " c.max_calls_per_hour, c.max_calls_per_day, c.calls_per_second, c.budget_cents,"
    " c.est_cost_per_call_cents, c.exclude_dnc, c.quiet_hours::text AS quiet_hours,"
    " (SELECT n.calls_per_second FROM phone_numbers n"
    "   WHERE n.tenant_id = c.tenant_id AND n.e164 = c.from_number) AS number_calls_per_second,"
    " (SELECT COALESCE(sum(k.cost_cents), 0) FROM calls k JOIN call_attempts t"
    "   ON t.tenant_id = k.tenant_id AND t.id = k.attempt_id"
    "   WHERE t.tenant_id = c.tenant_id AND t.campaign_id = c.id)::bigint AS spent_cents"
    " FROM campaigns c JOIN agents a ON a.tenant_id = c.tenant_id AND a.id = c.agent_id"
    " WHERE c.tenant_id = $1 AND c.id = $2"};

const statement cancel_pending_leads_sql{
    "campaigns.cancel_pending_leads",
    "UPDATE leads SET status = 'cancelled', terminal_reason = $3, next_attempt_at = NULL,"
    " updated_at = now()"
    " WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'pending'"};

const statement lead_stats_sql{
    "campaigns.stats_leads",
    "SELECT count(*) AS total,"
    " count(*) FILTER (WHERE l.status = 'pending' AND l.attempts < c.max_attempts) AS scheduled,"
    " count(*) FILTER (WHERE l.status = 'pending'"
    "   AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= ts_of_ms($3))) AS queued,"
    " count(*) FILTER (WHERE l.status IN ('completed', 'failed', 'cancelled')) AS terminal"
    " FROM leads l JOIN campaigns c ON c.tenant_id = l.tenant_id AND c.id = l.campaign_id"
    " WHERE l.tenant_id = $1 AND l.campaign_id = $2"};

// Planned attempts (standbys withdrawn before they were sent) were never calls.
const statement attempt_states_sql{"campaigns.stats_attempt_states",
                                   "SELECT state, count(*) AS n FROM call_attempts"
                                   " WHERE tenant_id = $1 AND campaign_id = $2"
                                   " AND state <> 'planned' GROUP BY state"};

// Driven from the campaign's attempts, each looking up its one calls row (OFFSET 0 keeps the
// lateral lookup from being flattened into a join): right after a large campaign started, the
// tables' statistics are stale, and a plan driven from the tenant's calls probed every call of
// the tenant (650 ms a query with 50,000 calls held, until autoanalyze ran).
const statement call_totals_sql{
    "campaigns.stats_calls",
    "SELECT COALESCE(sum(k.cost_cents), 0)::bigint AS spent,"
    " COALESCE(avg(k.duration_ms) FILTER (WHERE k.duration_ms > 0), 0)::float8 AS average_ms"
    " FROM call_attempts a CROSS JOIN LATERAL (SELECT c.cost_cents, c.duration_ms FROM calls c"
    "   WHERE c.tenant_id = a.tenant_id AND c.attempt_id = a.id OFFSET 0) k"
    " WHERE a.tenant_id = $1 AND a.campaign_id = $2"};

const statement dispositions_sql{
    "campaigns.stats_dispositions",
    "SELECT disposition AS name, count(*) AS n FROM call_attempts"
    " WHERE tenant_id = $1 AND campaign_id = $2 AND disposition <> 'none'"
    " GROUP BY disposition ORDER BY disposition"};

// Leads blocked at least once, by the check that blocked them (a lead waiting for its window
// is decided again when it opens: counted once).
const statement blocked_sql{
    "campaigns.stats_blocked",
    "SELECT COALESCE(NULLIF(blocked_check, ''), 'unknown') AS name,"
    " count(DISTINCT lead_id) AS n"
    " FROM compliance_checks WHERE tenant_id = $1 AND campaign_id = $2 AND NOT allowed"
    " GROUP BY 1 ORDER BY 1"};

const statement block_reasons_sql{
    "campaigns.stats_block_reasons",
    "SELECT COALESCE(NULLIF(block_reason, ''), 'unknown') AS name,"
    " count(DISTINCT lead_id) AS n"
    " FROM compliance_checks WHERE tenant_id = $1 AND campaign_id = $2 AND NOT allowed"
    " GROUP BY 1 ORDER BY 1"};

campaign_row campaign_of(const pqxx::row& r) {
  campaign_row c;
  c.id = r["id"].as<id_t>();
  c.tenant_id = r["tenant_id"].as<id_t>();
  c.name = text_of(r["name"]);
  c.agent_id = r["agent_id"].as<id_t>();
  c.from_number = text_of(r["from_number"]);
  c.timezone = text_of(r["timezone"]);
  c.start_date = optional_text_of(r["start_date"]);
  c.end_date = optional_text_of(r["end_date"]);
  c.quiet_hours_json = text_of(r["quiet_hours"]);
  c.max_concurrent_calls = r["max_concurrent_calls"].as<std::int32_t>();
  c.max_calls_per_hour = optional_of<std::int32_t>(r["max_calls_per_hour"]);
  c.max_calls_per_day = optional_of<std::int32_t>(r["max_calls_per_day"]);
  c.calls_per_second = r["calls_per_second"].as<std::int32_t>();
  c.budget_cents = optional_of<std::int64_t>(r["budget_cents"]);
  c.est_cost_per_call_cents = r["est_cost_per_call_cents"].as<std::int64_t>();
  c.max_attempts = r["max_attempts"].as<std::int32_t>();
  c.retry.no_answer_s = r["retry_no_answer_s"].as<std::int64_t>();
  c.retry.busy_s = r["retry_busy_s"].as<std::int64_t>();
  c.retry.voicemail_s = r["retry_voicemail_s"].as<std::int64_t>();
  c.retry.failed_s = r["retry_failed_s"].as<std::int64_t>();
  c.lead_filters_json = text_of(r["lead_filters"]);
  c.exclude_dnc = r["exclude_dnc"].as<bool>();
  c.metadata_json = text_of(r["metadata"]);
  c.status = text_of(r["status"]);
  c.kind = text_of(r["kind"]);
  c.created_at = text_of(r["created_at"]);
  c.updated_at = text_of(r["updated_at"]);
  return c;
}

campaign_plan plan_of(const pqxx::row& r) {
  campaign_plan p;
  p.id = r["id"].as<id_t>();
  p.tenant_id = r["tenant_id"].as<id_t>();
  p.name = text_of(r["name"]);
  p.status = parse_campaign_status(text_of(r["status"])).value_or(campaign_status::draft);
  p.from_number = text_of(r["from_number"]);
  p.provider_agent_id = text_of(r["provider_agent_id"]);
  p.max_concurrent_calls = r["max_concurrent_calls"].as<std::int32_t>();
  p.max_attempts = r["max_attempts"].as<std::int32_t>();
  p.retry.no_answer_s = r["retry_no_answer_s"].as<std::int64_t>();
  p.retry.busy_s = r["retry_busy_s"].as<std::int64_t>();
  p.retry.voicemail_s = r["retry_voicemail_s"].as<std::int64_t>();
  p.retry.failed_s = r["retry_failed_s"].as<std::int64_t>();
  p.start_at = optional_of<epoch_ms>(r["start_ms"]);
  p.end_at = optional_of<epoch_ms>(r["end_ms"]);
  p.time_zone = text_of(r["timezone"]);
  p.max_calls_per_hour = optional_of<std::int32_t>(r["max_calls_per_hour"]);
  p.max_calls_per_day = optional_of<std::int32_t>(r["max_calls_per_day"]);
  p.calls_per_second = r["calls_per_second"].as<std::int32_t>();
  p.number_calls_per_second = optional_of<std::int32_t>(r["number_calls_per_second"]);
  p.budget_cents = optional_of<std::int64_t>(r["budget_cents"]);
  p.est_cost_per_call_cents = r["est_cost_per_call_cents"].as<std::int64_t>();
  p.exclude_dnc = r["exclude_dnc"].as<bool>();
  p.calling_windows_json = text_of(r["quiet_hours"]);
  p.spent_cents = r["spent_cents"].as<std::int64_t>();
  return p;
}

std::vector<std::pair<std::string, std::int64_t>> counts_of(const pqxx::result& r) {
  std::vector<std::pair<std::string, std::int64_t>> counts;
  for (const auto& row : r) counts.emplace_back(text_of(row["name"]), row["n"].as<std::int64_t>());
  return counts;
}

}  // namespace

campaign_row insert_campaign(database& db, id_t tenant_id, const campaign_row& row) {
  campaign_row stored;
  db.transact([&](pqxx::dbtransaction& tx) {
    stored = campaign_of(run(tx, insert_campaign_sql, tenant_id, row.name, row.agent_id,
                             row.from_number, row.timezone, row.start_date, row.end_date,
                             json_or_empty_object(row.quiet_hours_json), row.max_concurrent_calls,
                             row.max_calls_per_hour, row.max_calls_per_day, row.calls_per_second,
                             row.budget_cents, row.est_cost_per_call_cents, row.max_attempts,
                             row.retry.no_answer_s, row.retry.busy_s, row.retry.voicemail_s,
                             row.retry.failed_s, json_or_empty_object(row.lead_filters_json),
                             row.exclude_dnc, json_or_empty_object(row.metadata_json))[0]);
  });
  return stored;
}

page<campaign_row> list_campaigns(database& db, id_t tenant_id, const std::string& status,
                                  std::int32_t limit, std::int32_t offset) {
  page<campaign_row> result;
  db.transact([&](pqxx::dbtransaction& tx) {
    result.total = run(tx, count_campaigns_sql, tenant_id, status)[0][0].as<std::int64_t>();
    result.items = all_of<campaign_row>(
        run(tx, list_campaigns_sql, tenant_id, status, non_negative(limit), non_negative(offset)),
        campaign_of);
  });
  return result;
}

std::optional<campaign_row> find_campaign(database& db, id_t tenant_id, id_t campaign_id) {
  std::optional<campaign_row> found;
  db.transact([&](pqxx::dbtransaction& tx) {
    found = first_of<campaign_row>(run(tx, find_campaign_sql, tenant_id, campaign_id), campaign_of);
  });
  return found;
}

guarded_update<campaign_row> update_campaign(database& db, id_t tenant_id, id_t campaign_id,
                                             const campaign_row& row) {
  guarded_update<campaign_row> out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = {};
    // Locked so that a concurrent start cannot slip between the status check and the update.
    auto locked = run(tx, lock_campaign_sql, tenant_id, campaign_id);
    if (locked.empty()) return;
    auto status = parse_campaign_status(text_of(locked[0][0]));
    if (status != campaign_status::draft && status != campaign_status::paused) {
      out.result = change_result::wrong_state;
      return;
    }
    out.row = campaign_of(
        run(tx, update_campaign_sql, tenant_id, campaign_id, row.name, row.agent_id,
            row.from_number, row.timezone, row.start_date, row.end_date,
            json_or_empty_object(row.quiet_hours_json), row.max_concurrent_calls,
            row.max_calls_per_hour, row.max_calls_per_day, row.calls_per_second, row.budget_cents,
            row.est_cost_per_call_cents, row.max_attempts, row.retry.no_answer_s, row.retry.busy_s,
            row.retry.voicemail_s, row.retry.failed_s, json_or_empty_object(row.lead_filters_json),
            row.exclude_dnc, json_or_empty_object(row.metadata_json))[0]);
    out.result = change_result::applied;
  });
  return out;
}

std::optional<campaign_row> transition_campaign(database& db, id_t tenant_id, id_t campaign_id,
                                                campaign_status from, campaign_status to) {
  std::optional<campaign_row> updated;
  db.transact([&](pqxx::dbtransaction& tx) {
    updated = first_of<campaign_row>(
        run(tx, transition_campaign_sql, tenant_id, campaign_id, name_of(from), name_of(to)),
        campaign_of);
  });
  return updated;
}

void count_standbys_as_queued(campaign_stats& stats, std::int64_t standbys) {
  // A standby committed after the stats were read is in the book but not in the counts.
  auto moved = std::clamp<std::int64_t>(standbys, 0, stats.calls_in_progress);
  stats.calls_in_progress -= moved;
  stats.calls_queued += moved;
}

campaign_stats stats_of_campaign(database& db, id_t tenant_id, id_t campaign_id, epoch_ms now) {
  campaign_stats stats;
  db.transact([&](pqxx::dbtransaction& tx) {
    stats = campaign_stats{};
    auto leads = run(tx, lead_stats_sql, tenant_id, campaign_id, now)[0];
    stats.total_leads = leads["total"].as<std::int64_t>();
    stats.calls_scheduled = leads["scheduled"].as<std::int64_t>();
    stats.calls_queued = leads["queued"].as<std::int64_t>();
    stats.leads_terminal = leads["terminal"].as<std::int64_t>();

    for (const auto& row : run(tx, attempt_states_sql, tenant_id, campaign_id)) {
      auto state = parse_attempt_state(text_of(row["state"]));
      auto n = row["n"].as<std::int64_t>();
      if (!state) continue;
      if (!releases_line(*state))
        stats.calls_in_progress += n;
      else if (*state == attempt_state::ended || *state == attempt_state::analyzed)
        stats.calls_completed += n;
      else
        stats.calls_failed += n;
    }

    auto calls = run(tx, call_totals_sql, tenant_id, campaign_id)[0];
    stats.spent_cents = calls["spent"].as<std::int64_t>();
    stats.average_duration_seconds = calls["average_ms"].as<double>() / 1000.0;

    stats.dispositions = counts_of(run(tx, dispositions_sql, tenant_id, campaign_id));
    stats.blocked = counts_of(run(tx, blocked_sql, tenant_id, campaign_id));
    stats.block_reasons = counts_of(run(tx, block_reasons_sql, tenant_id, campaign_id));
  });
  return stats;
}

std::vector<campaign_row> campaigns_in_status(database& db, campaign_status status) {
  std::vector<campaign_row> rows;
  db.transact([&](pqxx::dbtransaction& tx) {
    rows = all_of<campaign_row>(run(tx, campaigns_in_status_sql, name_of(status)), campaign_of);
  });
  return rows;
}

std::optional<campaign_plan> load_campaign_plan(database& db, id_t tenant_id, id_t campaign_id) {
  std::optional<campaign_plan> plan;
  db.transact([&](pqxx::dbtransaction& tx) {
    plan = first_of<campaign_plan>(run(tx, load_plan_sql, tenant_id, campaign_id), plan_of);
  });
  return plan;
}

std::int64_t cancel_pending_leads(database& db, id_t tenant_id, id_t campaign_id,
                                  const std::string& reason) {
  std::int64_t cancelled = 0;
  db.transact([&](pqxx::dbtransaction& tx) {
    cancelled = run(tx, cancel_pending_leads_sql, tenant_id, campaign_id, reason).affected_rows();
  });
  return cancelled;
}

}  // namespace dialer::storage
