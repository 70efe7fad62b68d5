#include "core/compliance_policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace dialer {
namespace {

/// The stricter of two regimes at every instant: an override may turn opt-out into opt-in.
dated_regime stricter(const dated_regime& country, const dated_regime& tenant) {
  if (tenant.regime == consent_regime::opt_in && !tenant.from) return tenant;
  if (country.regime == consent_regime::opt_in && !country.from) return country;
  if (tenant.regime == consent_regime::opt_in && tenant.from &&
      (!country.from || country.regime != consent_regime::opt_in || *tenant.from < *country.from))
    return tenant;
  return country;
}

std::optional<attempt_cap_rule> stricter(const std::optional<attempt_cap_rule>& country,
                                         const std::optional<attempt_cap_rule>& tenant) {
  if (!tenant || tenant->max_calls <= 0 || tenant->period_ms <= 0) return country;
  if (!country) return tenant;
  attempt_cap_rule cap = *country;
  cap.max_calls = std::min(country->max_calls, tenant->max_calls);
  cap.period_ms = std::max(country->period_ms, tenant->period_ms);
  cap.applies_to_b2b = country->applies_to_b2b || tenant->applies_to_b2b;
  return cap;
}

std::optional<refusal_cooloff_rule> stricter(const std::optional<refusal_cooloff_rule>& country,
                                             const std::optional<refusal_cooloff_rule>& tenant) {
  if (!tenant || tenant->duration_ms <= 0) return country;
  if (!country) return tenant;
  refusal_cooloff_rule cooloff = *country;
  cooloff.duration_ms = std::max(country->duration_ms, tenant->duration_ms);
  cooloff.applies_to_b2b = country->applies_to_b2b || tenant->applies_to_b2b;
  return cooloff;
}

}  // namespace

layered_rule layer_tenant_override(const country_rule* country, const country_rule* tenant) {
  if (!country && !tenant) throw std::invalid_argument("layer_tenant_override: no rule");
  layered_rule out;
  if (!country) {
    // A country the configuration does not know: the tenant's rule stands alone.
    out.rule = *tenant;
    return out;
  }
  out.rule = *country;
  if (!tenant) return out;
  out.tenant_windows = tenant->calling_hours.windows;
  out.rule.consent.b2b = stricter(country->consent.b2b, tenant->consent.b2b);
  out.rule.consent.b2c = stricter(country->consent.b2c, tenant->consent.b2c);
  out.rule.attempt_cap = stricter(country->attempt_cap, tenant->attempt_cap);
  out.rule.refusal_cooloff = stricter(country->refusal_cooloff, tenant->refusal_cooloff);
  if (tenant->holidays) {
    if (!out.rule.holidays) out.rule.holidays = holiday_rule{};
    const auto& days = tenant->holidays->holidays.days();
    const auto& names = tenant->holidays->holidays.names();
    for (std::size_t i = 0; i < days.size(); ++i) out.rule.holidays->holidays.add(days[i], names[i]);
  }
  if (tenant->disclosures) {
    if (!out.rule.disclosures) out.rule.disclosures = disclosure_rule{};
    out.rule.disclosures->ai = out.rule.disclosures->ai || tenant->disclosures->ai;
    out.rule.disclosures->recording =
        out.rule.disclosures->recording || tenant->disclosures->recording;
  }
  return out;
}

const dial_rules* campaign_rule_book::for_country(std::string_view country) const {
  auto it = by_country.find(country);
  return it == by_country.end() ? nullptr : &it->second;
}

compliance_policy::compliance_policy(std::vector<country_rule> countries, phone_zone_table zones,
                                     rule_decoders decoders)
    : countries_(std::move(countries)), zones_(std::move(zones)), decoders_(std::move(decoders)) {}

const country_rule* compliance_policy::country(std::string_view iso) const {
  for (const auto& c : countries_)
    if (c.country == iso) return &c;
  return nullptr;
}

campaign_rule_book compliance_policy::compile(
    const std::vector<tenant_override>& overrides,
    const std::optional<weekly_windows>& campaign_windows) const {
  std::map<std::string, country_rule, std::less<>> tenant_rules;
  if (decoders_.country_rule_of)
    for (const auto& o : overrides)
      if (auto rule = decoders_.country_rule_of(o.country, o.rule_json))
        tenant_rules.emplace(o.country, std::move(*rule));

  campaign_rule_book book;
  const weekly_windows* campaign = campaign_windows ? &*campaign_windows : nullptr;
  auto add = [&](const country_rule* country, const country_rule* tenant) {
    auto layered = layer_tenant_override(country, tenant);
    const weekly_windows* tenant_windows =
        layered.tenant_windows ? &*layered.tenant_windows : nullptr;
    auto iso = layered.rule.country;
    auto rules = compile_dial_rules(layered.rule, tenant_windows, campaign);
    book.attempt_lookback_ms = std::max(book.attempt_lookback_ms, rules.cap_period_ms);
    book.by_country.insert_or_assign(iso, std::move(rules));
  };
  for (const auto& c : countries_) {
    auto it = tenant_rules.find(c.country);
    add(&c, it == tenant_rules.end() ? nullptr : &it->second);
  }
  for (const auto& [iso, rule] : tenant_rules)
    if (!country(iso)) add(nullptr, &rule);
  return book;
}

compliance_verdict compliance_policy::decide(const campaign_rule_book& book,
                                             const dial_subject& lead,
                                             const campaign_facts& campaign, epoch_ms now) const {
  compliance_verdict v;
  auto parsed = parse_phone_number(lead.phone);
  lead_facts facts;
  facts.nature = lead.nature;
  facts.consent = lead.consent;
  facts.quiet_hours_disabled = lead.quiet_hours_disabled;
  facts.on_tenant_dnc = lead.on_tenant_dnc;
  facts.attempts = instant_span(lead.attempts);
  facts.last_refusal_at = lead.last_refusal_at;
  if (!parsed.number) {
    // Not a callable number: no country, so no rule; the decision blocks for good.
    v.number_error = parsed.error;
    v.decision = decide_compliance(nullptr, {}, facts, campaign, now);
    return v;
  }
  auto zones = resolve_candidate_zones(*parsed.number, lead.time_zone, zones_, cache_);
  v.country = parsed.number->country;
  v.time_zones = zones.names;
  v.zones_from = zones.source;
  v.decision = decide_compliance(book.for_country(v.country), zones.zones, facts, campaign, now);
  return v;
}

std::optional<weekly_windows> campaign_windows_of(const rule_decoders& decoders,
                                                  std::string_view quiet_hours_json) {
  auto first = quiet_hours_json.find_first_not_of(" \t\r\n{");
  if (quiet_hours_json.empty() || first == std::string_view::npos ||
      quiet_hours_json[first] == '}')
    return std::nullopt;
  if (!decoders.windows_of) return std::nullopt;
  return decoders.windows_of(quiet_hours_json);
}

}  // namespace dialer
