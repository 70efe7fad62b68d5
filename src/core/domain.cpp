#include "core/domain.hpp"

#include <array>
#include <utility>

namespace dialer {
namespace {

template <class Enum, std::size_t N>
using name_table = std::array<std::pair<Enum, std::string_view>, N>;

constexpr name_table<campaign_status, 6> campaign_status_names{{
    {campaign_status::draft, "draft"},
    {campaign_status::scheduled, "scheduled"},
    {campaign_status::running, "running"},
    {campaign_status::paused, "paused"},
    {campaign_status::completed, "completed"},
    {campaign_status::cancelled, "cancelled"},
}};

constexpr name_table<lead_status, 5> lead_status_names{{
    {lead_status::pending, "pending"},
    {lead_status::in_progress, "in_progress"},
    {lead_status::completed, "completed"},
    {lead_status::failed, "failed"},
    {lead_status::cancelled, "cancelled"},
}};

constexpr name_table<attempt_state, 9> attempt_state_names{{
    {attempt_state::planned, "planned"},
    {attempt_state::dialing, "dialing"},
    {attempt_state::registered, "registered"},
    {attempt_state::ongoing, "ongoing"},
    {attempt_state::ended, "ended"},
    {attempt_state::analyzed, "analyzed"},
    {attempt_state::failed, "failed"},
    {attempt_state::not_connected, "not_connected"},
    {attempt_state::in_doubt, "in_doubt"},
}};

constexpr name_table<disposition, 7> disposition_names{{
    {disposition::none, "none"},
    {disposition::answered, "answered"},
    {disposition::no_answer, "no_answer"},
    {disposition::busy, "busy"},
    {disposition::voicemail, "voicemail"},
    {disposition::failed, "failed"},
    {disposition::provider_refused, "provider_refused"},
}};

constexpr name_table<webhook_kind, 5> webhook_kind_names{{
    {webhook_kind::call_started, "call_started"},
    {webhook_kind::call_ended, "call_ended"},
    {webhook_kind::call_analyzed, "call_analyzed"},
    {webhook_kind::transcript_updated, "transcript_updated"},
    {webhook_kind::other, "other"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(const name_table<Enum, N>& table, Enum value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const name_table<Enum, N>& table, std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(campaign_status s) { return name_of(campaign_status_names, s); }
std::string_view to_string(lead_status s) { return name_of(lead_status_names, s); }
std::string_view to_string(attempt_state s) { return name_of(attempt_state_names, s); }
std::string_view to_string(disposition d) { return name_of(disposition_names, d); }
std::string_view to_string(webhook_kind k) { return name_of(webhook_kind_names, k); }

std::optional<campaign_status> parse_campaign_status(std::string_view s) {
  return value_of(campaign_status_names, s);
}
std::optional<lead_status> parse_lead_status(std::string_view s) {
  return value_of(lead_status_names, s);
}
std::optional<attempt_state> parse_attempt_state(std::string_view s) {
  return value_of(attempt_state_names, s);
}
std::optional<disposition> parse_disposition(std::string_view s) {
  return value_of(disposition_names, s);
}
webhook_kind parse_webhook_kind(std::string_view s) {
  auto k = value_of(webhook_kind_names, s);
  return k && *k != webhook_kind::other ? *k : webhook_kind::other;
}

}  // namespace dialer
