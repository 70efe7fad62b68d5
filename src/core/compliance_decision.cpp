#include "core/compliance_decision.hpp"

#include <algorithm>

namespace dialer {
namespace {

// A stretch of time [lo, hi); empty when lo >= hi.
struct interval {
  epoch_ms lo = -end_of_time;
  epoch_ms hi = end_of_time;

  bool contains(epoch_ms t) const { return lo <= t && t < hi; }
  void narrow(const interval& o) {
    lo = std::max(lo, o.lo);
    hi = std::min(hi, o.hi);
  }
  static interval none() { return {end_of_time, -end_of_time}; }
};

bool consent_passes(consent_regime regime, consent_status s) {
  return regime == consent_regime::opt_in ? s == consent_status::granted
                                          : s != consent_status::denied;
}

// The instants at which `s` satisfies `r`: all, before the change, after it, or none.
interval consent_interval(const dated_regime& r, consent_status s) {
  const bool after = consent_passes(r.regime, s);
  if (!r.from) return after ? interval{} : interval::none();
  const bool before = consent_passes(r.before, s);
  if (before && after) return {};
  if (before) return {-end_of_time, *r.from};
  if (after) return {*r.from, end_of_time};
  return interval::none();
}

}  // namespace

std::string_view to_string(compliance_check c) {
  switch (c) {
    case compliance_check::country_rule:
      return "country_rule";
    case compliance_check::campaign_dates:
      return "campaign_dates";
    case compliance_check::dnc:
      return "dnc";
    case compliance_check::consent:
      return "consent";
    case compliance_check::refusal_cooloff:
      return "refusal_cooloff";
    case compliance_check::attempts:
      return "attempts";
    case compliance_check::quiet_hours:
      return "quiet_hours";
    case compliance_check::disclosure:
      return "disclosure";
  }
  return "unknown";
}

std::string_view to_string(check_status s) {
  switch (s) {
    case check_status::passed:
      return "passed";
    case check_status::blocked:
      return "blocked";
    case check_status::not_applicable:
      return "not_applicable";
  }
  return "unknown";
}

std::string_view to_string(block_reason r) {
  switch (r) {
    case block_reason::none:
      return "none";
    case block_reason::no_country_rule:
      return "no_country_rule";
    case block_reason::campaign_not_started:
      return "campaign_not_started";
    case block_reason::campaign_ended:
      return "campaign_ended";
    case block_reason::dnc:
      return "dnc";
    case block_reason::consent_denied:
      return "consent_denied";
    case block_reason::consent_missing:
      return "consent_missing";
    case block_reason::refusal_cooloff:
      return "refusal_cooloff";
    case block_reason::attempt_cap:
      return "attempt_cap";
    case block_reason::unknown_time_zone:
      return "unknown_time_zone";
    case block_reason::public_holiday:
      return "public_holiday";
    case block_reason::outside_calling_hours:
      return "outside_calling_hours";
  }
  return "unknown";
}

std::string_view to_string(disclosure d) {
  return d == disclosure::ai_agent ? "ai_agent" : "recording";
}

compliance_decision decide_compliance(const dial_rules* rules, const zone_set& zones,
                                      const lead_facts& lead, const campaign_facts& campaign,
                                      epoch_ms now, epoch_ms horizon_ms) {
  compliance_decision d;
  auto set = [&d](compliance_check c, check_status s) {
    d.checks[static_cast<std::size_t>(c)] = s;
  };
  // Checks run in compliance_check order, so the first block names the reason.
  auto block = [&d, &set](compliance_check c, block_reason r) {
    set(c, check_status::blocked);
    if (d.reason == block_reason::none) d.reason = r;
  };
  interval open;       // where every check but the calendar passes (no new attempt assumed)
  bool never = false;  // a block that time does not lift
  bool calendar_applies = false;

  if (!rules) {
    block(compliance_check::country_rule, block_reason::no_country_rule);
    never = true;
  } else {
    set(compliance_check::country_rule, check_status::passed);
  }

  if (campaign.starts_at) open.lo = *campaign.starts_at;
  if (campaign.ends_at) open.hi = *campaign.ends_at;
  if (campaign.ends_at && now >= *campaign.ends_at)
    block(compliance_check::campaign_dates, block_reason::campaign_ended);
  else if (campaign.starts_at && now < *campaign.starts_at)
    block(compliance_check::campaign_dates, block_reason::campaign_not_started);
  else
    set(compliance_check::campaign_dates, check_status::passed);

  if (!campaign.exclude_dnc) {
    set(compliance_check::dnc, check_status::not_applicable);
  } else if (lead.on_tenant_dnc) {
    block(compliance_check::dnc, block_reason::dnc);
    never = true;
  } else {
    set(compliance_check::dnc, check_status::passed);
  }

  if (rules) {
    // Unknown nature gets the consumer protections and the stricter consent (fail closed).
    const bool consumer = lead.nature != lead_nature::b2b;
    interval consent;
    if (lead.nature != lead_nature::b2c) consent.narrow(consent_interval(rules->b2b, lead.consent));
    if (consumer) consent.narrow(consent_interval(rules->b2c, lead.consent));
    open.narrow(consent);
    if (consent.contains(now))
      set(compliance_check::consent, check_status::passed);
    else
      block(compliance_check::consent, lead.consent == consent_status::denied
                                           ? block_reason::consent_denied
                                           : block_reason::consent_missing);

    if (rules->cooloff_ms > 0 && (consumer || rules->cooloff_applies_to_b2b)) {
      if (lead.last_refusal_at) {
        const epoch_ms until = *lead.last_refusal_at + rules->cooloff_ms;
        open.lo = std::max(open.lo, until);
        if (now < until)
          block(compliance_check::refusal_cooloff, block_reason::refusal_cooloff);
        else
          set(compliance_check::refusal_cooloff, check_status::passed);
      } else {
        set(compliance_check::refusal_cooloff, check_status::passed);
      }
    } else {
      set(compliance_check::refusal_cooloff, check_status::not_applicable);
    }

    if (rules->cap_max_calls > 0 && (consumer || rules->cap_applies_to_b2b)) {
      // Attempts in the rolling period (now - period, now]; later ones count too.
      const epoch_ms* first =
          std::upper_bound(lead.attempts.begin(), lead.attempts.end(), now - rules->cap_period_ms);
      const auto in_period = lead.attempts.end() - first;
      if (in_period >= rules->cap_max_calls) {
        // Free again once enough of them have left the period.
        const epoch_ms free_at = first[in_period - rules->cap_max_calls] + rules->cap_period_ms;
        open.lo = std::max(open.lo, free_at);
        block(compliance_check::attempts, block_reason::attempt_cap);
      } else {
        set(compliance_check::attempts, check_status::passed);
      }
    } else {
      set(compliance_check::attempts, check_status::not_applicable);
    }

    const bool lifted = lead.quiet_hours_disabled && rules->lead_override_allowed;
    if (lifted) {
      set(compliance_check::quiet_hours, check_status::not_applicable);
    } else if (!rules->calendar.restricts()) {
      set(compliance_check::quiet_hours, check_status::passed);
    } else if (zones.empty()) {
      block(compliance_check::quiet_hours, block_reason::unknown_time_zone);
      never = true;
    } else {
      calendar_applies = true;
      calendar_verdict verdict = calendar_verdict::allowed;
      for (const time_zone_offsets* z : zones) {
        verdict = rules->calendar.evaluate(*z, now);
        if (verdict != calendar_verdict::allowed) break;
      }
      if (verdict == calendar_verdict::allowed)
        set(compliance_check::quiet_hours, check_status::passed);
      else
        block(compliance_check::quiet_hours, verdict == calendar_verdict::holiday
                                                 ? block_reason::public_holiday
                                                 : block_reason::outside_calling_hours);
    }

    set(compliance_check::disclosure, check_status::passed);
    if (rules->ai_disclosure && campaign.ai_agent) d.required_disclosures.add(disclosure::ai_agent);
    if (rules->recording_disclosure && campaign.records_calls)
      d.required_disclosures.add(disclosure::recording);
  } else {
    for (auto c :
         {compliance_check::consent, compliance_check::refusal_cooloff, compliance_check::attempts,
          compliance_check::quiet_hours, compliance_check::disclosure})
      set(c, check_status::not_applicable);
  }

  d.allowed = d.reason == block_reason::none;
  if (d.allowed) {
    d.next_allowed_at = now;
  } else if (!never) {
    const epoch_ms horizon = now < end_of_time - horizon_ms ? now + horizon_ms : end_of_time;
    const epoch_ms from = std::max(now, open.lo);
    const epoch_ms until = std::min(open.hi, horizon);
    if (from < until)
      d.next_allowed_at = calendar_applies ? rules->calendar.next_allowed_at(zones, from, until)
                                           : std::optional<epoch_ms>(from);
  }
  return d;
}

}  // namespace dialer
