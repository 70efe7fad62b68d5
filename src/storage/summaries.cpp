#include "storage/summaries.hpp"

#include "core/call_progress.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

// The UTC day of $2 (milliseconds) as a timestamptz range start.
const std::string day_start =
    "(date_trunc('day', ts_of_ms($2) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";
const std::string month_start =
    "(date_trunc('month', ts_of_ms($2) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";

const statement daily_sql{
    "summaries.daily",
    "WITH days AS (SELECT generate_series("
    " date_trunc('day', ts_of_ms($2) AT TIME ZONE 'UTC') - ($3::integer - 1) * interval '1 day',"
    " date_trunc('day', ts_of_ms($2) AT TIME ZONE 'UTC'), interval '1 day') AS day)"
    " SELECT to_char(d.day, 'YYYY-MM-DD') AS date, count(a.id) AS calls,"
    " count(a.id) FILTER (WHERE a.disposition = 'answered') AS answered,"
    " count(a.id) FILTER (WHERE a.state = ANY ($4::text[])) AS completed,"
    " count(a.id) FILTER (WHERE a.state = ANY ($5::text[])) AS failed,"
    " COALESCE(sum(k.cost_cents), 0)::bigint AS cost_cents,"
    " (COALESCE(sum(k.duration_ms), 0) / 1000)::bigint AS duration_seconds"
    " FROM days d"
    " LEFT JOIN call_attempts a ON a.tenant_id = $1 AND a.state <> 'planned'"
    " AND a.created_at >= (d.day AT TIME ZONE 'UTC')"
    " AND a.created_at < ((d.day + interval '1 day') AT TIME ZONE 'UTC')"
    " LEFT JOIN calls k ON k.tenant_id = a.tenant_id AND k.attempt_id = a.id"
    " GROUP BY d.day ORDER BY d.day"};

// Attempts still planned (standbys withdrawn before they were sent) were never calls.
const std::string outcome_filter =
    " FROM call_attempts WHERE tenant_id = $1 AND state <> 'planned'"
    " AND ($2::bigint IS NULL OR campaign_id = $2)"
    " AND ($3::timestamptz IS NULL OR created_at >= $3::timestamptz)"
    " AND ($4::timestamptz IS NULL OR created_at < $4::timestamptz)";

const statement outcome_dispositions_sql{
    "summaries.outcome_dispositions",
    "SELECT disposition AS name, count(*) AS n" + outcome_filter + " GROUP BY 1 ORDER BY 1"};

const statement outcome_states_sql{
    "summaries.outcome_states",
    "SELECT state AS name, count(*) AS n" + outcome_filter + " GROUP BY 1 ORDER BY 1"};

const statement lines_sql{
    "summaries.lines",
    "SELECT c.id, c.name, c.status, c.max_concurrent_calls, count(a.id) AS active"
    " FROM campaigns c LEFT JOIN call_attempts a ON a.tenant_id = c.tenant_id"
    " AND a.campaign_id = c.id AND a.state = ANY ($2::text[])"
    " WHERE c.tenant_id = $1"
    " GROUP BY c.id"
    " HAVING c.status IN ('scheduled', 'running', 'paused') OR count(a.id) > 0"
    " ORDER BY c.id"};

const statement cost_day_sql{
    "summaries.cost_day",
    "SELECT to_char(ts_of_ms($2) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,"
    " count(a.id) FILTER (WHERE a.created_at >= " +
        day_start +
        ") AS calls,"
        " COALESCE(sum(k.cost_cents) FILTER (WHERE a.created_at >= " +
        day_start +
        "), 0)::bigint"
        " AS spent,"
        " COALESCE(sum(k.cost_cents), 0)::bigint AS month_to_date"
        " FROM call_attempts a LEFT JOIN calls k ON k.tenant_id = a.tenant_id AND k.attempt_id = "
        "a.id"
        " WHERE a.tenant_id = $1 AND a.state <> 'planned' AND a.created_at >= " +
        month_start + " AND a.created_at < " + day_start + " + interval '1 day'"};

const statement cost_by_campaign_sql{
    "summaries.cost_by_campaign",
    "SELECT a.campaign_id, COALESCE(sum(k.cost_cents), 0)::bigint AS spent"
    " FROM call_attempts a LEFT JOIN calls k ON k.tenant_id = a.tenant_id AND k.attempt_id = a.id"
    " WHERE a.tenant_id = $1 AND a.campaign_id IS NOT NULL AND a.created_at >= " +
        day_start + " AND a.created_at < " + day_start +
        " + interval '1 day'"
        " GROUP BY a.campaign_id ORDER BY a.campaign_id"};

constexpr attempt_state all_states[] = {
    attempt_state::planned, attempt_state::dialing,       attempt_state::registered,
    attempt_state::ongoing, attempt_state::ended,         attempt_state::analyzed,
    attempt_state::failed,  attempt_state::not_connected, attempt_state::in_doubt};

/// Names of the states for which `keep` holds, as a text[] literal.
template <class Keep>
std::string states_where(Keep keep) {
  std::vector<std::string> names;
  for (auto s : all_states)
    if (keep(s)) names.push_back(name_of(s));
  return text_array(names);
}

bool connected(attempt_state s) {
  return s == attempt_state::ended || s == attempt_state::analyzed;
}

std::vector<std::pair<std::string, std::int64_t>> counts_of(const pqxx::result& r) {
  std::vector<std::pair<std::string, std::int64_t>> counts;
  for (const auto& row : r) counts.emplace_back(text_of(row["name"]), row["n"].as<std::int64_t>());
  return counts;
}

}  // namespace

std::vector<daily_activity> daily_activity_of(database& db, id_t tenant_id, epoch_ms now,
                                              std::int32_t days) {
  const std::string completed = states_where(connected);
  const std::string failed =
      states_where([](attempt_state s) { return releases_line(s) && !connected(s); });
  std::vector<daily_activity> out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out.clear();
    for (const auto& r : run(tx, daily_sql, tenant_id, now, days, completed, failed)) {
      daily_activity d;
      d.date = text_of(r["date"]);
      d.calls = r["calls"].as<std::int64_t>();
      d.answered = r["answered"].as<std::int64_t>();
      d.completed = r["completed"].as<std::int64_t>();
      d.failed = r["failed"].as<std::int64_t>();
      d.cost_cents = r["cost_cents"].as<std::int64_t>();
      d.duration_seconds = r["duration_seconds"].as<std::int64_t>();
      out.push_back(std::move(d));
    }
  });
  return out;
}

outcome_counts outcomes_of(database& db, id_t tenant_id, std::optional<id_t> campaign_id,
                           const std::optional<std::string>& from,
                           const std::optional<std::string>& to) {
  outcome_counts out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = {};
    out.dispositions =
        counts_of(run(tx, outcome_dispositions_sql, tenant_id, campaign_id, from, to));
    out.states = counts_of(run(tx, outcome_states_sql, tenant_id, campaign_id, from, to));
    for (const auto& [name, n] : out.states) out.total += n;
  });
  return out;
}

std::vector<campaign_lines> lines_in_use(database& db, id_t tenant_id) {
  // A planned attempt (a standby withdrawn before it was sent) never held a line.
  const std::string holding = states_where(
      [](attempt_state s) { return s != attempt_state::planned && !releases_line(s); });
  std::vector<campaign_lines> out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out.clear();
    for (const auto& r : run(tx, lines_sql, tenant_id, holding)) {
      campaign_lines c;
      c.campaign_id = r["id"].as<id_t>();
      c.name = text_of(r["name"]);
      c.status = text_of(r["status"]);
      c.max_concurrent_calls = r["max_concurrent_calls"].as<std::int32_t>();
      c.active_calls = r["active"].as<std::int64_t>();
      out.push_back(std::move(c));
    }
  });
  return out;
}

daily_cost cost_of_day(database& db, id_t tenant_id, epoch_ms now) {
  daily_cost out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = {};
    auto day = run(tx, cost_day_sql, tenant_id, now)[0];
    out.date = text_of(day["date"]);
    out.calls = day["calls"].as<std::int64_t>();
    out.spent_cents = day["spent"].as<std::int64_t>();
    out.month_to_date_cents = day["month_to_date"].as<std::int64_t>();
    for (const auto& r : run(tx, cost_by_campaign_sql, tenant_id, now))
      out.by_campaign.emplace_back(r["campaign_id"].as<id_t>(), r["spent"].as<std::int64_t>());
  });
  return out;
}

}  // namespace dialer::storage
