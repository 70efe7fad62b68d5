#include "core/compliance_rules.hpp"

namespace dialer {

std::string_view to_string(lead_nature n) {
  switch (n) {
    case lead_nature::b2b:
      return "b2b";
    case lead_nature::b2c:
      return "b2c";
    case lead_nature::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(consent_status s) {
  switch (s) {
    case consent_status::granted:
      return "granted";
    case consent_status::denied:
      return "denied";
    case consent_status::unknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(consent_regime r) {
  return r == consent_regime::opt_in ? "opt_in" : "opt_out";
}

std::optional<lead_nature> parse_lead_nature(std::string_view s) {
  if (s == "b2b") return lead_nature::b2b;
  if (s == "b2c") return lead_nature::b2c;
  if (s == "unknown") return lead_nature::unknown;
  return std::nullopt;
}

std::optional<consent_status> parse_consent_status(std::string_view s) {
  if (s == "granted") return consent_status::granted;
  if (s == "denied") return consent_status::denied;
  if (s == "unknown") return consent_status::unknown;
  return std::nullopt;
}

std::optional<consent_regime> parse_consent_regime(std::string_view s) {
  if (s == "opt_in") return consent_regime::opt_in;
  if (s == "opt_out") return consent_regime::opt_out;
  return std::nullopt;
}

std::string_view to_string(windows_origin o) {
  switch (o) {
    case windows_origin::country:
      return "country";
    case windows_origin::tenant:
      return "tenant";
    case windows_origin::campaign:
      return "campaign";
    case windows_origin::none:
      break;
  }
  return "none";
}

dial_rules compile_dial_rules(const country_rule& country, const weekly_windows* tenant_windows,
                              const weekly_windows* campaign_windows) {
  dial_rules r;
  r.country = country.country;
  const auto& floor = country.calling_hours.windows;
  std::optional<weekly_windows> windows;
  if (campaign_windows) {
    windows = *campaign_windows;
    r.origin = windows_origin::campaign;
  } else if (tenant_windows) {
    windows = *tenant_windows;
    r.origin = windows_origin::tenant;
  } else if (floor) {
    windows = *floor;
    r.origin = windows_origin::country;
  }
  if (r.origin != windows_origin::country && country.calling_hours.legal_floor && floor) {
    windows = windows ? windows->intersect(*floor) : *floor;
    r.narrowed_to_floor = true;
  }
  r.calendar = calling_calendar(std::move(windows),
                                country.holidays ? country.holidays->holidays : holiday_list{});
  r.lead_override_allowed = country.calling_hours.lead_override_allowed;
  r.b2b = country.consent.b2b;
  r.b2c = country.consent.b2c;
  if (country.attempt_cap && country.attempt_cap->max_calls > 0 &&
      country.attempt_cap->period_ms > 0) {
    r.cap_max_calls = country.attempt_cap->max_calls;
    r.cap_period_ms = country.attempt_cap->period_ms;
    r.cap_applies_to_b2b = country.attempt_cap->applies_to_b2b;
  }
  if (country.refusal_cooloff && country.refusal_cooloff->duration_ms > 0) {
    r.cooloff_ms = country.refusal_cooloff->duration_ms;
    r.cooloff_applies_to_b2b = country.refusal_cooloff->applies_to_b2b;
  }
  if (country.disclosures) {
    r.ai_disclosure = country.disclosures->ai;
    r.recording_disclosure = country.disclosures->recording;
  }
  return r;
}

}  // namespace dialer
