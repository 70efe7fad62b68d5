#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/compliance_rules.hpp"
#include "core/domain.hpp"
#include "core/time_zone_offsets.hpp"

namespace dialer {

/// A read-only view of instants in ascending order (C++17 has no std::span).
class instant_span {
 public:
  instant_span() = default;
  /// Views `size` instants at `data`.
  instant_span(const epoch_ms* data, std::size_t size) : data_(data), size_(size) {}
  /// Views a vector (which must outlive the span).
  instant_span(const std::vector<epoch_ms>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
  const epoch_ms* begin() const { return data_; }
  const epoch_ms* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }
  epoch_ms operator[](std::size_t i) const { return data_[i]; }

 private:
  const epoch_ms* data_ = nullptr;
  std::size_t size_ = 0;
};

/// What the decision needs to know about the lead and its number.
struct lead_facts {
  lead_nature nature = lead_nature::unknown;
  consent_status consent = consent_status::unknown;
  /// The lead asked to be called at any time (honoured only where the country allows it).
  bool quiet_hours_disabled = false;
  /// The number is on the tenant's DNC list.
  bool on_tenant_dnc = false;
  /// Start times of the attempts made to this number across the tenant's campaigns, ascending
  /// (at least those of the last cap period).
  instant_span attempts;
  /// When the number's owner last refused (a refusal disposition), if ever.
  std::optional<epoch_ms> last_refusal_at;
};

/// What the decision needs to know about the campaign.
struct campaign_facts {
  /// First instant the campaign may call; nullopt: no start date.
  std::optional<epoch_ms> starts_at;
  /// First instant the campaign may no longer call; nullopt: no end date.
  std::optional<epoch_ms> ends_at;
  /// The campaign skips numbers on the tenant's DNC list (API: exclude_dnc).
  bool exclude_dnc = true;
  /// The calls are made by an AI agent.
  bool ai_agent = true;
  /// The calls are recorded.
  bool records_calls = false;
};

/// The checks of a decision, in the order block reasons are chosen.
enum class compliance_check : std::uint8_t {
  country_rule,
  campaign_dates,
  dnc,
  consent,
  refusal_cooloff,
  attempts,
  quiet_hours,
  disclosure
};
/// Number of compliance_check values.
constexpr std::size_t compliance_check_count = 8;

/// Outcome of one check.
enum class check_status : std::uint8_t { passed, blocked, not_applicable };

/// Why a dial is refused now (none when allowed).
enum class block_reason : std::uint8_t {
  none,
  no_country_rule,
  campaign_not_started,
  campaign_ended,
  dnc,
  consent_denied,
  consent_missing,
  refusal_cooloff,
  attempt_cap,
  unknown_time_zone,
  public_holiday,
  outside_calling_hours
};

/// Something the agent must say at the start of the call.
enum class disclosure : std::uint8_t { ai_agent = 1, recording = 2 };

/// A set of disclosures.
struct disclosure_set {
  std::uint8_t bits = 0;
  /// Whether `d` is required.
  bool has(disclosure d) const { return (bits & static_cast<std::uint8_t>(d)) != 0; }
  /// Adds `d`.
  void add(disclosure d) { bits |= static_cast<std::uint8_t>(d); }
  /// True when nothing is required.
  bool empty() const { return bits == 0; }
};

/// The answer to "may this number be called now, and if not, when?" (allocation-free).
struct compliance_decision {
  bool allowed = false;
  /// Status of each check, indexed by compliance_check.
  std::array<check_status, compliance_check_count> checks{};
  /// The first blocking check's reason; none when allowed.
  block_reason reason = block_reason::none;
  /// `now` when allowed; else the earliest instant every check passes assuming no new attempt,
  /// within the search horizon; nullopt when there is none (a permanent block included).
  std::optional<epoch_ms> next_allowed_at;
  /// What the agent must say when the call is made.
  disclosure_set required_disclosures;

  /// The status of one check.
  check_status status(compliance_check c) const { return checks[static_cast<std::size_t>(c)]; }
};

/// Text name of a check (API: checks.{name}).
std::string_view to_string(compliance_check c);
/// Text name of a check status.
std::string_view to_string(check_status s);
/// Text name of a block reason, as recorded in compliance_checks.
std::string_view to_string(block_reason r);
/// Text name of a disclosure.
std::string_view to_string(disclosure d);

/// How far ahead next_allowed_at is searched by default.
constexpr epoch_ms default_search_horizon_ms = 400 * ms_per_day;

/// Decides whether the number of `lead` may be called at `now` under `rules` (nullptr: no rule
/// for its country, blocked) in every zone of `zones`. Checks: campaign dates, DNC, consent by
/// regime and nature, cool-off after a refusal, attempts per rolling period, calling hours
/// and holidays; next_allowed_at is searched up to `now + horizon_ms`.
compliance_decision decide_compliance(const dial_rules* rules, const zone_set& zones,
                                      const lead_facts& lead, const campaign_facts& campaign,
                                      epoch_ms now,
                                      epoch_ms horizon_ms = default_search_horizon_ms);

}  // namespace dialer
