#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calling_calendar.hpp"
#include "core/domain.hpp"

namespace dialer {

/// Whether a lead is a business or a consumer (API: nature).
enum class lead_nature { unknown, b2b, b2c };
/// The lead's recorded consent (API: consent_status).
enum class consent_status { unknown, granted, denied };
/// How consent works in a country: opt_in needs consent granted; opt_out allows unless denied.
enum class consent_regime { opt_out, opt_in };

/// Text name of a lead nature.
std::string_view to_string(lead_nature n);
/// Text name of a consent status.
std::string_view to_string(consent_status s);
/// Text name of a consent regime.
std::string_view to_string(consent_regime r);
/// Parses a lead nature name; nullopt when unknown.
std::optional<lead_nature> parse_lead_nature(std::string_view s);
/// Parses a consent status name; nullopt when unknown.
std::optional<consent_status> parse_consent_status(std::string_view s);
/// Parses a consent regime name; nullopt when unknown.
std::optional<consent_regime> parse_consent_regime(std::string_view s);

/// Where a rule comes from, kept with the rule for the record and for GET /compliance/rules.
struct rule_source {
  std::string text;
  /// True when the figure came from a secondary source (COMPLIANCE.md: *unconfirmed*).
  bool unconfirmed = false;
};

/// A country's calling hours in the called party's local time.
struct calling_hours_rule {
  /// Windows per weekday; nullopt when no window is fixed (any time of day).
  std::optional<weekly_windows> windows;
  /// True when the windows are law: a campaign or tenant can only narrow them.
  bool legal_floor = false;
  /// True when a lead's quiet_hours_disabled may lift the calendar in this country.
  bool lead_override_allowed = false;
  rule_source source;
};

/// A country's public holidays (no call on these local dates).
struct holiday_rule {
  holiday_list holidays;
  rule_source source;
};

/// A consent regime that may change once, at instant `from` (France: opt-in for consumers
/// from 11 August 2026, opt-out before).
struct dated_regime {
  consent_regime regime = consent_regime::opt_in;
  /// When `regime` starts; nullopt when it always applied.
  std::optional<epoch_ms> from;
  /// The regime before `from`.
  consent_regime before = consent_regime::opt_out;
  /// The regime in force at `t`.
  consent_regime at(epoch_ms t) const { return from && t < *from ? before : regime; }
};

/// Consent regimes by lead nature (unknown nature takes the stricter of both).
struct consent_rule {
  dated_regime b2b;
  dated_regime b2c;
  rule_source source;
};

/// At most `max_calls` calls to one number per rolling `period_ms`, across a tenant's campaigns.
struct attempt_cap_rule {
  std::int32_t max_calls = 0;
  epoch_ms period_ms = 0;
  /// False when the cap protects consumers only (France).
  bool applies_to_b2b = true;
  rule_source source;
};

/// No call to a number for `duration_ms` after its owner refused.
struct refusal_cooloff_rule {
  epoch_ms duration_ms = 0;
  /// False when the cool-off protects consumers only.
  bool applies_to_b2b = true;
  rule_source source;
};

/// What the agent must say at the start of the call.
struct disclosure_rule {
  /// Say that the caller is an AI.
  bool ai = false;
  /// Say that the call is recorded (when it is).
  bool recording = false;
  rule_source source;
};

/// A fact kept with the rules for people (not enforced by the decision), with its source.
struct rule_note {
  std::string text;
  rule_source source;
};

/// Everything config/country_rules.json says about one country (or a tenant's override).
struct country_rule {
  /// ISO 3166-1 alpha-2 ("FR").
  std::string country;
  std::string name;
  calling_hours_rule calling_hours;
  std::optional<holiday_rule> holidays;
  consent_rule consent;
  std::optional<attempt_cap_rule> attempt_cap;
  std::optional<refusal_cooloff_rule> refusal_cooloff;
  std::optional<disclosure_rule> disclosures;
  std::vector<rule_note> notes;
};

/// Which layer's windows a campaign's calls into a country follow.
enum class windows_origin { none, country, tenant, campaign };
/// Text name of a windows origin.
std::string_view to_string(windows_origin o);

/// Everything the compliance decision needs about one campaign calling into one country,
/// compiled once and cached, so that a decision reads it without allocating.
struct dial_rules {
  std::string country;
  /// The calendar after precedence (holidays of the country included).
  calling_calendar calendar;
  windows_origin origin = windows_origin::none;
  /// True when the chosen windows were narrowed to the country's legal floor.
  bool narrowed_to_floor = false;
  bool lead_override_allowed = false;
  dated_regime b2b;
  dated_regime b2c;
  std::int32_t cap_max_calls = 0;  ///< 0: no cap
  epoch_ms cap_period_ms = 0;
  bool cap_applies_to_b2b = true;
  epoch_ms cooloff_ms = 0;  ///< 0: no cool-off
  bool cooloff_applies_to_b2b = true;
  bool ai_disclosure = false;
  bool recording_disclosure = false;
};

/// Applies the precedence of calling windows: campaign > tenant > country default; when the
/// country's windows are a legal floor, the chosen ones are intersected with them (a campaign
/// can narrow, never widen). Country holidays always apply. The lead override
/// (quiet_hours_disabled) is applied per decision, where the country allows it.
dial_rules compile_dial_rules(const country_rule& country, const weekly_windows* tenant_windows,
                              const weekly_windows* campaign_windows);

}  // namespace dialer
