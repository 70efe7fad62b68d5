#pragma once

// The compliance decision together with its data: the country rules of config, a tenant's
// overrides, a campaign's windows and the phone zone table. Built once at start-up; read-only
// afterwards and safe to share between threads.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/compliance_decision.hpp"
#include "core/compliance_rules.hpp"
#include "core/phone_number.hpp"
#include "core/phone_zones.hpp"

namespace dialer {

/// Decoders of the rule documents the database keeps as JSON (tenant overrides, a campaign's
/// quiet_hours); supplied by the application, which owns the JSON codec.
struct rule_decoders {
  /// Decodes one country's rule; nullopt when the text is not a valid rule.
  std::function<std::optional<country_rule>(std::string_view country, std::string_view json)>
      country_rule_of;
  /// Decodes calling windows; nullopt when the text is not valid windows.
  std::function<std::optional<weekly_windows>(std::string_view json)> windows_of;
};

/// A tenant's stored override of one country's rule.
struct tenant_override {
  std::string country;
  std::string rule_json;
};

/// A country's rule with a tenant's override laid over it.
struct layered_rule {
  country_rule rule;
  /// The tenant layer's calling windows (precedence: campaign > tenant > country).
  std::optional<weekly_windows> tenant_windows;
};

/// Lays a tenant's override over a country's rule (either may be missing, not both): the
/// override's windows become the tenant layer; consent, attempt cap, cool-off, holidays and
/// disclosures only ever get stricter than the country's.
layered_rule layer_tenant_override(const country_rule* country, const country_rule* tenant);

/// The compiled rules of one campaign, per country it may call.
struct campaign_rule_book {
  std::map<std::string, dial_rules, std::less<>> by_country;
  /// How far back a decision must see a number's attempts (the longest attempt cap period).
  epoch_ms attempt_lookback_ms = ms_per_day;
  /// The rules for a country; nullptr when none is known (the decision then blocks).
  const dial_rules* for_country(std::string_view country) const;
};

/// The lead as the decision sees it, read from its row just before the dial.
struct dial_subject {
  std::string phone;
  /// The lead's explicit IANA zone; empty when none.
  std::string time_zone;
  lead_nature nature = lead_nature::unknown;
  consent_status consent = consent_status::unknown;
  bool quiet_hours_disabled = false;
  bool on_tenant_dnc = false;
  /// Attempts to this number across the tenant's campaigns, ascending.
  std::vector<epoch_ms> attempts;
  std::optional<epoch_ms> last_refusal_at;
};

/// A decision with what it was based on, for the record and the API.
struct compliance_verdict {
  compliance_decision decision;
  /// ISO country of the number; empty when the number is not valid.
  std::string country;
  std::vector<std::string> time_zones;
  zone_source zones_from = zone_source::none;
  phone_number_error number_error = phone_number_error::none;
};

/// Country rules and phone zone data, with the decoders of stored rule documents.
class compliance_policy {
 public:
  /// Takes the rules of config/country_rules.json and the zone table.
  compliance_policy(std::vector<country_rule> countries, phone_zone_table zones,
                    rule_decoders decoders);

  /// The configured rule of a country; nullptr when none.
  const country_rule* country(std::string_view iso) const;
  /// Every configured country rule.
  const std::vector<country_rule>& countries() const { return countries_; }
  /// The decoders of stored rule documents.
  const rule_decoders& decoders() const { return decoders_; }
  /// A zone from tzdata (cached for the policy's lifetime); nullptr when unknown.
  const time_zone_offsets* zone(std::string_view name) const { return cache_.find(name); }

  /// Compiles a campaign's rules: every configured or overridden country, with the tenant's
  /// overrides and the campaign's windows (nullopt: none). Overrides that do not decode are
  /// skipped (they were validated when stored).
  campaign_rule_book compile(const std::vector<tenant_override>& overrides,
                             const std::optional<weekly_windows>& campaign_windows) const;

  /// Decides whether `lead` may be called at `now` under `book`.
  compliance_verdict decide(const campaign_rule_book& book, const dial_subject& lead,
                            const campaign_facts& campaign, epoch_ms now) const;

 private:
  std::vector<country_rule> countries_;
  phone_zone_table zones_;
  rule_decoders decoders_;
  mutable time_zone_cache cache_;
};

/// The campaign's windows from its stored quiet_hours text: nullopt when empty ("{}" or "").
std::optional<weekly_windows> campaign_windows_of(const rule_decoders& decoders,
                                                  std::string_view quiet_hours_json);

}  // namespace dialer
