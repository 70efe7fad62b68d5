#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"

namespace dialer::storage {

/// A user as stored (password hash and salt included, never served).
struct user_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string email;
  std::string name;
  std::string password_hash;
  std::string password_salt;
  bool is_admin = false;
  std::string role = "user";  ///< admin | user | viewer (is_admin == (role == "admin"))
};

/// What registration writes: the tenant and its first (admin) user.
struct registration {
  std::string company;
  std::string email;
  std::string name;
  std::string password_hash;
  std::string password_salt;
};

/// A tenant as stored.
struct tenant_row {
  id_t id = 0;
  std::string name;
  std::string webhook_hook_id;
  std::optional<std::string> retell_api_key;   ///< the tenant's own provider key, if any
  std::optional<std::string> retell_base_url;  ///< its provider base URL, if not the default
};

/// An API key of a tenant as listed (its secret is never stored, only its SHA-256).
struct api_key_row {
  id_t id = 0;
  id_t tenant_id = 0;
  id_t created_by = 0;  ///< the user who created it; requests made with it act as that user
  std::string name;
  std::string role = "user";  ///< admin | user | viewer
  std::string key_prefix;     ///< the first characters of the key, to recognise it
  std::string created_at;
};

/// An AI agent of the provider, as a tenant registered it.
struct agent_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string name;
  std::string retell_agent_id;
  std::string lang;
  std::string voice_id;
  std::string created_at;  ///< ISO 8601 UTC
};

/// A caller number of a tenant.
struct number_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string e164;
  std::string provider;
  std::string country;
  std::string status;  ///< pending | active | suspended | released
  std::int32_t calls_per_second = 1;
  std::string created_at;
};

/// A lead (person to call) of a tenant.
struct lead_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::optional<id_t> campaign_id;
  std::string name;
  std::string phone;
  std::string email;
  std::string company;
  std::string country_iso;
  std::string timezone;
  std::string nature = "unknown";          ///< b2b | b2c | unknown
  std::string consent_status = "unknown";  ///< granted | denied | unknown
  std::string consent_basis;
  bool quiet_hours_disabled = false;
  std::int32_t priority = 0;
  std::string metadata_json = "{}";  ///< a JSON object, stored as jsonb
  std::string status = "pending";    ///< lead_status name
  std::int32_t attempts = 0;
  std::optional<std::string> next_attempt_at;  ///< ISO 8601 UTC
  std::string last_disposition;
  std::string terminal_reason;
  std::string created_at;
};

/// Filters of GET /leads; empty or nullopt means "any".
struct lead_filter {
  std::optional<id_t> campaign_id;
  std::string country_iso;
  std::string consent_status;
  std::string status;
  std::string q;  ///< substring of name, phone, email or company
  std::int32_t limit = 50;
  std::int32_t offset = 0;
};

/// A campaign of a tenant.
struct campaign_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string name;
  id_t agent_id = 0;
  std::string from_number;
  std::string timezone = "UTC";
  std::optional<std::string> start_date;  ///< ISO 8601 UTC
  std::optional<std::string> end_date;
  std::string quiet_hours_json = "{}";
  std::int32_t max_concurrent_calls = 1;
  std::optional<std::int32_t> max_calls_per_hour;
  std::optional<std::int32_t> max_calls_per_day;
  std::int32_t calls_per_second = 1;
  std::optional<std::int64_t> budget_cents;
  std::int64_t est_cost_per_call_cents = 0;
  std::int32_t max_attempts = 1;
  retry_policy retry;
  std::string lead_filters_json = "{}";
  bool exclude_dnc = true;
  std::string metadata_json = "{}";
  std::string status = "draft";
  std::string kind = "campaign";  ///< campaign_kind name: campaign, or outbound (one call)
  std::string created_at;
  std::string updated_at;
};

/// Counters of GET /campaigns/{id}/stats, computed from the leads and calls tables.
struct campaign_stats {
  std::int64_t total_leads = 0;
  std::int64_t calls_scheduled = 0;    ///< leads pending with attempts left
  std::int64_t calls_in_progress = 0;  ///< attempts sent and not yet ended
  std::int64_t calls_completed = 0;    ///< attempts ended with a connected call
  std::int64_t calls_failed = 0;       ///< attempts ended without a connected call
  std::int64_t calls_queued = 0;       ///< leads due now: pending, or journalled as standbys
  std::int64_t leads_terminal = 0;     ///< leads completed, failed or cancelled
  double average_duration_seconds = 0;
  std::int64_t spent_cents = 0;
  std::int64_t reserved_cents = 0;
  std::vector<std::pair<std::string, std::int64_t>> dispositions;   ///< by disposition name
  std::vector<std::pair<std::string, std::int64_t>> blocked;        ///< leads by blocking check
  std::vector<std::pair<std::string, std::int64_t>> block_reasons;  ///< leads by finer reason
};

/// One transcript turn of a call.
struct segment_row {
  std::int32_t seq = 0;
  std::string role;
  std::string content;
};

/// A call (one provider call per registered attempt) as served by /calls.
struct call_row {
  id_t id = 0;  ///< the attempt id
  id_t tenant_id = 0;
  id_t campaign_id = 0;
  id_t lead_id = 0;
  std::int32_t attempt_no = 1;
  std::string provider_call_id;
  std::string state;  ///< attempt_state name
  std::string from_number;
  std::string to_number;
  std::string disconnection_reason;
  std::string disposition;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> cost_cents;
  std::string summary;
  std::string sentiment;
  std::string transcript;
  std::string recording_url;
  std::string created_at;
  std::optional<std::string> started_at;
  std::optional<std::string> ended_at;
  std::vector<segment_row> segments;  ///< filled by get_call only
};

/// Filters of GET /calls.
struct call_filter {
  std::string status;  ///< attempt_state name
  std::optional<id_t> campaign_id;
  std::optional<id_t> lead_id;
  std::optional<std::string> from_date;  ///< ISO 8601 UTC, inclusive
  std::optional<std::string> to_date;    ///< exclusive
  std::int32_t limit = 50;
  std::int32_t offset = 0;
};

/// What a change (update or delete) guarded by the row's use or state came to.
enum class change_result {
  applied,
  not_found,    ///< the tenant has no such row
  in_use,       ///< other rows still need it (a campaign, a call history)
  in_progress,  ///< it is being worked on right now (a lead being called)
  wrong_state,  ///< its status does not allow the change (a running campaign)
};

/// A guarded update: what happened and, when applied, the row as now stored.
template <class Row>
struct guarded_update {
  change_result result = change_result::not_found;
  Row row;
};

/// Activity of one UTC day of a tenant (GET /metrics/daily).
struct daily_activity {
  std::string date;  ///< YYYY-MM-DD
  std::int64_t calls = 0;
  std::int64_t answered = 0;   ///< disposition answered
  std::int64_t completed = 0;  ///< attempts ended with a connected call
  std::int64_t failed = 0;     ///< attempts ended without a connected call
  std::int64_t cost_cents = 0;
  std::int64_t duration_seconds = 0;
};

/// Attempts of a tenant counted by outcome (GET /metrics/outcomes).
struct outcome_counts {
  std::int64_t total = 0;
  std::vector<std::pair<std::string, std::int64_t>> dispositions;  ///< by disposition name
  std::vector<std::pair<std::string, std::int64_t>> states;        ///< by attempt state
};

/// Lines in use by one campaign of a tenant (GET /metrics/concurrency).
struct campaign_lines {
  id_t campaign_id = 0;
  std::string name;
  std::string status;
  std::int32_t max_concurrent_calls = 0;
  std::int64_t active_calls = 0;
};

/// Spend of a tenant on one UTC day (GET /metrics/cost/today).
struct daily_cost {
  std::string date;  ///< YYYY-MM-DD
  std::int64_t calls = 0;
  std::int64_t spent_cents = 0;
  std::int64_t month_to_date_cents = 0;
  std::vector<std::pair<id_t, std::int64_t>> by_campaign;  ///< campaign id, spent cents
};

/// A page of results with the total matching count.
template <class Row>
struct page {
  std::int64_t total = 0;
  std::vector<Row> items;
};

/// An attempt as the journal holds it.
struct attempt_row {
  dial_attempt attempt;
  attempt_state state = attempt_state::planned;
  std::string provider_call_id;
};

/// A stored webhook (the inbox) still to apply.
struct inbox_row {
  id_t id = 0;
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  std::string provider_call_id;
  std::string event;
  std::string body;  ///< the exact raw body received
};

}  // namespace dialer::storage
