// The engine's promises checked after a load run, from the simulator's record of creates and
// the database's rows (not from the engine's own counters). Pure: the caller reads the record
// and the rows; each check is a count that must be 0.

import { peakOverlap } from './measure.mjs';

/** Lead statuses from which a lead is never dialled again. */
export const terminalLeadStatuses = new Set(['completed', 'failed', 'cancelled']);

/**
 * Counts every broken promise of a run.
 * - `creates`: GET /sim/record's creates (metadata carries attempt, lead and campaign ids).
 * - `wallEnd(create)`: when a placed call ended on the wall clock (null while it lasts).
 * - `campaigns`: [{id, cap, kind: 'regular' | 'night', status}] (status from the database).
 * - `accountLimit` (0: none) and `peakConcurrency`: the account's lines and the simulator's peak.
 * - `leads`: Map of lead id (text) to {tenant, campaign, zone, country, consent, status}.
 * - `dncNumbers`: Set of `${tenant id}:${phone}` on tenants' DNC lists.
 * - `maxAttempts`: the campaigns' max_attempts. `allowedAt(country, zone, ms)`: calling windows.
 * - `webhooksNotApplied`: stored webhooks the engine never applied.
 */
export function promiseChecks({ creates, wallEnd = (c) => c.ended_at_ms, campaigns, accountLimit, peakConcurrency,
  leads, dncNumbers, maxAttempts, allowedAt, webhooksNotApplied }) {
  const placed = creates.filter((c) => c.accepted);
  // Ended at once by the simulator because the account had no line left: a line the engine
  // should not have used, so it counts against the account, not as a dial of the lead.
  const overLimit = creates.filter((c) => c.reason === 'concurrency_limit_reached');

  const linesOf = new Map();
  for (const c of placed) {
    const id = String(c.metadata?.campaign_id);
    if (!linesOf.has(id)) linesOf.set(id, []);
    linesOf.get(id).push([c.received_at_ms, wallEnd(c)]);
  }
  const campaignCapViolations = campaigns.filter((c) => peakOverlap(linesOf.get(String(c.id)) ?? []) > c.cap).length;

  const perLead = new Map();
  for (const c of placed) {
    if (c.reason === 'concurrency_limit_reached') continue;
    const lead = String(c.metadata?.lead_id);
    perLead.set(lead, (perLead.get(lead) ?? 0) + 1);
  }

  // Every create counts here, placed or refused: the engine decided to dial at that instant.
  let outsideWindows = 0;
  let dncDialled = 0;
  let consentDeniedDialled = 0;
  let unknownLeads = 0;
  for (const c of creates) {
    const lead = leads.get(String(c.metadata?.lead_id));
    if (!lead) {
      unknownLeads++;
      continue;
    }
    if (!allowedAt(lead.country, lead.zone, c.received_at_ms)) outsideWindows++;
    if (dncNumbers.has(`${lead.tenant}:${c.to_number}`)) dncDialled++;
    if (lead.consent === 'denied') consentDeniedDialled++;
  }

  const statusOf = new Map(campaigns.map((c) => [String(c.id), c.status]));
  let lostLeads = 0;
  for (const lead of leads.values()) {
    if (statusOf.get(String(lead.campaign)) === 'completed' && !terminalLeadStatuses.has(lead.status)) lostLeads++;
  }

  return {
    campaign_cap_violations: campaignCapViolations,
    account_cap_violations: accountLimit > 0 ? overLimit.length + Math.max(0, peakConcurrency - accountLimit) : 0,
    duplicate_dials: placed.length - new Set(placed.map((c) => String(c.metadata?.attempt_id))).size,
    leads_dialled_over_max_attempts: [...perLead.values()].filter((n) => n > maxAttempts).length,
    lost_leads: lostLeads,
    campaigns_not_completed: campaigns.filter((c) => c.kind === 'regular' && c.status !== 'completed').length,
    calls_outside_calling_windows: outsideWindows,
    dnc_numbers_dialled: dncDialled,
    consent_denied_dialled: consentDeniedDialled,
    creates_for_unknown_leads: unknownLeads,
    webhooks_not_applied: webhooksNotApplied,
  };
}
