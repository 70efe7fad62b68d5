#include <charconv>

#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "storage/campaigns.hpp"
#include "storage/summaries.hpp"

namespace dialer::http {
namespace {

void put_counts(json_writer& w, const char* key,
                const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  w.Key(key);
  w.StartObject();
  for (const auto& [name, n] : counts) put_int(w, name.c_str(), n);
  w.EndObject();
}

/// GET /metrics/daily?days=: calls, outcomes and cost per UTC day, oldest first.
response daily(api_context& api, const request& req, const principal& who) {
  std::int32_t days = 7;
  if (const auto* s = req.query_param("days")) {
    std::int32_t n = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (s->empty() || ec != std::errc{} || end != s->data() + s->size() || n < 1 || n > 366)
      return validation_error(req, {{"days", "must be an integer between 1 and 366"}});
    days = n;
  }
  auto rows = storage::daily_activity_of(api.db, who.tenant_id, api.clock.now_ms(), days);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "days", days);
    w.Key("items");
    w.StartArray();
    for (const auto& d : rows) {
      w.StartObject();
      put(w, "date", d.date);
      put_int(w, "calls", d.calls);
      put_int(w, "answered", d.answered);
      put_int(w, "completed", d.completed);
      put_int(w, "failed", d.failed);
      put_int(w, "cost_cents", d.cost_cents);
      put_int(w, "duration_seconds", d.duration_seconds);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

/// GET /metrics/outcomes?campaign_id&from_date&to_date: attempts by disposition and state.
response outcomes(api_context& api, const request& req, const principal& who) {
  field_errors errors;
  auto campaign_id = query_id(req, "campaign_id", errors);
  auto from = query_instant(req, "from_date", errors);
  auto to = query_instant(req, "to_date", errors);
  if (!errors.empty()) return validation_error(req, errors);
  if (campaign_id && !storage::find_campaign(api.db, who.tenant_id, *campaign_id))
    return not_found(req, "CAMPAIGN_NOT_FOUND", "Campaign", std::to_string(*campaign_id));
  auto counts = storage::outcomes_of(api.db, who.tenant_id, campaign_id, from, to);
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_opt_int(w, "campaign_id", campaign_id);
    put_opt(w, "from_date", from);
    put_opt(w, "to_date", to);
    put_int(w, "total", counts.total);
    put_counts(w, "dispositions", counts.dispositions);
    put_counts(w, "states", counts.states);
    w.EndObject();
  });
}

/// GET /metrics/concurrency: provider lines in use now, per campaign and in all.
response concurrency(api_context& api, const request&, const principal& who) {
  auto lines = storage::lines_in_use(api.db, who.tenant_id);
  std::int64_t active = 0;
  for (const auto& c : lines) active += c.active_calls;
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put_int(w, "active_calls", active);
    w.Key("campaigns");
    w.StartArray();
    for (const auto& c : lines) {
      w.StartObject();
      put_int(w, "campaign_id", c.campaign_id);
      put(w, "name", c.name);
      put(w, "status", c.status);
      put_int(w, "active_calls", c.active_calls);
      put_int(w, "max_concurrent_calls", c.max_concurrent_calls);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

/// GET /metrics/cost/today: spend of the current UTC day, per campaign, and the month so far.
response cost_today(api_context& api, const request&, const principal& who) {
  auto cost = storage::cost_of_day(api.db, who.tenant_id, api.clock.now_ms());
  return json_response(200, [&](json_writer& w) {
    w.StartObject();
    put(w, "date", cost.date);
    put_int(w, "calls", cost.calls);
    put_int(w, "spent_cents", cost.spent_cents);
    put_int(w, "month_to_date_cents", cost.month_to_date_cents);
    w.Key("campaigns");
    w.StartArray();
    for (const auto& [campaign_id, spent] : cost.by_campaign) {
      w.StartObject();
      put_int(w, "campaign_id", campaign_id);
      put_int(w, "spent_cents", spent);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

void add_summary_routes(router& r, api_context& api) {
  const std::pair<const char*, response (*)(api_context&, const request&, const principal&)>
      summaries[] = {{"/api/v1/metrics/daily", daily},
                     {"/api/v1/metrics/outcomes", outcomes},
                     {"/api/v1/metrics/concurrency", concurrency},
                     {"/api/v1/metrics/cost/today", cost_today}};
  for (const auto& [path, summary] : summaries) {
    auto fn = summary;
    r.add("GET", path, authenticated(api, [&api, fn](const request& q, const principal& w) {
            return fn(api, q, w);
          }));
  }
}

}  // namespace dialer::http
