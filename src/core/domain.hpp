#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dialer {

/// Identifier of a row in one of the engine's tables.
using id_t = std::int64_t;
/// Milliseconds since the Unix epoch (UTC).
using epoch_ms = std::int64_t;

/// Lifecycle of a campaign (API.md: draft -> scheduled -> running <-> paused -> completed | cancelled).
enum class campaign_status { draft, scheduled, running, paused, completed, cancelled };

/// Where a lead stands in its campaign.
enum class lead_status { pending, in_progress, completed, failed, cancelled };

/// State of one dial attempt as journalled in call_attempts (DESIGN.md, call actor).
enum class attempt_state {
  planned,
  dialing,
  registered,
  ongoing,
  ended,
  analyzed,
  failed,
  not_connected,
  in_doubt
};

/// The outcome of a call as the campaign sees it.
enum class disposition {
  none,
  answered,
  no_answer,
  busy,
  voicemail,
  failed,
  provider_refused
};

/// Provider webhook event kinds the engine understands.
enum class webhook_kind { call_started, call_ended, call_analyzed, transcript_updated, other };

/// Text name of a campaign status, as stored and served.
std::string_view to_string(campaign_status s);
/// Text name of a lead status.
std::string_view to_string(lead_status s);
/// Text name of an attempt state.
std::string_view to_string(attempt_state s);
/// Text name of a disposition.
std::string_view to_string(disposition d);
/// Text name of a webhook kind.
std::string_view to_string(webhook_kind k);

/// Parses a campaign status name; nullopt when unknown.
std::optional<campaign_status> parse_campaign_status(std::string_view s);
/// Parses a lead status name; nullopt when unknown.
std::optional<lead_status> parse_lead_status(std::string_view s);
/// Parses an attempt state name; nullopt when unknown.
std::optional<attempt_state> parse_attempt_state(std::string_view s);
/// Parses a disposition name; nullopt when unknown.
std::optional<disposition> parse_disposition(std::string_view s);
/// Parses a webhook event name; unknown names map to webhook_kind::other.
webhook_kind parse_webhook_kind(std::string_view s);

/// Retry delays by disposition, in seconds.
struct retry_policy {
  std::int64_t no_answer_s = 3600;
  std::int64_t busy_s = 900;
  std::int64_t voicemail_s = 7200;
  std::int64_t failed_s = 1800;
};

/// The settings of a campaign that pacing needs.
struct campaign_plan {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string name;
  campaign_status status = campaign_status::draft;
  std::string from_number;
  std::string provider_agent_id;
  std::int32_t max_concurrent_calls = 1;
  std::int32_t max_attempts = 1;
  retry_policy retry;
  std::optional<epoch_ms> start_at;  ///< a scheduled campaign starts dialling then
  std::optional<epoch_ms> end_at;    ///< no new dial from then on; the campaign completes
  std::string time_zone = "UTC";     ///< the campaign's zone: local days of the daily cap
  std::optional<std::int32_t> max_calls_per_hour;  ///< dials per rolling hour; nullopt: no cap
  std::optional<std::int32_t> max_calls_per_day;   ///< dials per local day; nullopt: no cap
  std::int32_t calls_per_second = 1;               ///< dials per second from the caller number
  std::optional<std::int64_t> budget_cents;        ///< nullopt: no budget
  std::int64_t est_cost_per_call_cents = 0;        ///< held per call until its cost is known
  std::int64_t spent_cents = 0;                    ///< cost of the calls made so far
  bool exclude_dnc = true;                         ///< skip numbers on the tenant's DNC list
  std::string calling_windows_json;  ///< the campaign's quiet_hours as stored (opaque here)
  /// calls_per_second of the tenant's registered number equal to from_number: the rate the
  /// provider gateway paces creates from it at (the campaign's own calls_per_second is stored
  /// but not enforced). nullopt: the number is not registered (the gateway's default applies).
  std::optional<std::int32_t> number_calls_per_second;
};

/// A lead ready to be dialled, as the hopper holds it.
struct dial_candidate {
  id_t lead_id = 0;
  std::string phone;
  std::int32_t attempts = 0;
  std::int32_t priority = 0;
};

/// A journalled attempt: what the call actor needs to place and follow one call.
struct dial_attempt {
  id_t attempt_id = 0;
  id_t tenant_id = 0;
  id_t campaign_id = 0;
  id_t lead_id = 0;
  std::int32_t attempt_no = 1;
  std::string from_number;
  std::string to_number;
  std::string provider_agent_id;
  epoch_ms decided_at = 0;  ///< when compliance allowed this dial (0: not known here)
  /// When the line this dial refills was freed (0: not a refill taken at once).
  epoch_ms line_freed_at = 0;
  /// Calls per second allowed from from_number (its registered rate); 0: not registered, the
  /// gateway's default applies.
  std::int32_t caller_calls_per_second = 0;
};

/// The provider's view of a call, decoded from a webhook or a get-call answer.
struct provider_call {
  std::string call_id;
  std::string call_status;
  std::string disconnection_reason;
  std::optional<epoch_ms> start_timestamp;
  std::optional<epoch_ms> end_timestamp;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> cost_cents;
  std::string transcript;
  std::string recording_url;
  std::string call_summary;
  std::string user_sentiment;
  std::optional<bool> in_voicemail;
  std::optional<bool> call_successful;
  /// attempt id from metadata.attempt_id; 0 when absent.
  id_t attempt_id = 0;
  /// tenant id from metadata.tenant_id; 0 when absent.
  id_t tenant_id = 0;
  /// transcript_object as (role, content) turns in order; empty when absent.
  std::vector<std::pair<std::string, std::string>> turns;
};

/// One provider webhook after its signature was checked.
struct webhook_event {
  webhook_kind kind = webhook_kind::other;
  std::string event_name;
  provider_call call;
};

}  // namespace dialer
