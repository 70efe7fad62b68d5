// Benchmark (not a test): how many simulated calls one dialerd holds at once, what each costs
// in memory, and how fast a freed line is dialled again, with the engine's promises checked
// from the simulator's record and the database. Run after scripts/build.sh, with PG* variables
// pointing at a PostgreSQL (pg_virtualenv, or a cluster of your own):
//   node loadtest/bench_concurrency.mjs [--calls 5000] [--campaigns 50] [--refill-campaigns 20]
//                                       [--refill-leads 60] [--refill-cap 10] [--config dialerd.toml]
//                                       [--refill-numbers shared|own]
// Phase 1 (hold): tenant A starts --campaigns campaigns whose caps add up to --calls; every
// call connects and lasts an hour, so the engine holds --calls calls in flight. Each campaign
// also has a DNC lead, a lead without consent and a lead at 03:00 local time, never to be dialled.
// Phase 2 (refill, while phase 1's calls are held): tenant B runs --refill-campaigns campaigns
// of short calls; each create after a campaign's first `cap` is a refill, timed from the end of
// the call whose line it took (simulator clock) to the simulator receiving the create. They call
// from one shared number (paced at 1,000 creates a second), or with --refill-numbers own each
// from a number of its own. One more campaign of B (cap 5) has a budget that holds only 2
// estimated calls at once: never more than 2 of its calls may be in flight, and it may never
// spend more than its budget.
// Prints one JSON report with the machine, the figures and every promise check (all must be 0).

import { randomBytes } from 'node:crypto';
import {
  callableNow, createDatabase, fastNumberCallsPerSecond, registerTenant, sql, startDialerd, startSim, waitFor,
  zoneAtLocalHour,
} from './driver/harness.mjs';
import {
  commandLine, cpuSeconds, histogramQuantile, machine, metricSum, peakOverlap, quantile, refillTimes, rssBytes,
  scrape, simRecord,
} from './driver/measure.mjs';

const args = commandLine();
const holdCalls = args.number('calls', 5000);
const holdCampaigns = args.number('campaigns', 50);
const refillCampaigns = args.number('refill-campaigns', 20);
const refillLeads = args.number('refill-leads', 60);
const refillCap = args.number('refill-cap', 10);
const refillNumbers = args.text('refill-numbers', 'shared');
if (!['shared', 'own'].includes(refillNumbers)) {
  console.error('--refill-numbers must be shared or own');
  process.exit(2);
}
const budgetCents = 250;
const estCost = 100;
const budgetLines = Math.floor(budgetCents / estCost);
const apiKey = `key_conc_${randomBytes(6).toString('hex')}`;
const fromNumber = '+14155550100';
const running = [];  // processes to stop, also when the benchmark fails
const t0 = Date.now();
const progress = (what) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

/** A campaign's accepted creates as [received, ended] intervals of the simulator's clock. */
const linesOf = (creates) => (creates ?? []).map((c) => [c.received_at_ms, c.ended_at_ms]);

/** Creates `count` campaigns of cap `cap`, calling from the shared number, or with
 *  `ownNumbers` each from a number of its own (`numberBase` + campaign index). */
async function makeCampaigns(api, count, cap, prefix, extra = {}, { ownNumbers = false, numberBase = 0 } = {}) {
  const agent = await api.must(201, 'POST', '/api/v1/agents', { name: `${prefix} agent`, retell_agent_id: `agent_${prefix}` });
  const numbers = (await api.must(200, 'GET', '/api/v1/numbers')).items.map((n) => n.e164);
  const ids = [];
  for (let c = 0; c < count; c++) {
    const from = ownNumbers ? `+1415556${String(numberBase + c).padStart(4, '0')}` : fromNumber;
    if (!numbers.includes(from)) {
      await api.must(201, 'POST', '/api/v1/numbers',
        { e164: from, provider: 'retell', country: 'US', calls_per_second: fastNumberCallsPerSecond });
      numbers.push(from);
    }
    const created = await api.must(201, 'POST', '/api/v1/campaigns',
      { name: `${prefix} ${c}`, agent_id: agent.id, from_number: from, max_concurrent_calls: cap, ...extra });
    ids.push(created.id);
  }
  return ids;
}

async function postLeads(api, leads) {
  for (let i = 0; i < leads.length; i += 10000) await api.must(201, 'POST', '/api/v1/leads', leads.slice(i, i + 10000));
}

async function main() {
  const database = createDatabase('dialer_conc');
  const sim = await startSim({ apiKey, timeScale: 1, concurrencyLimit: holdCalls * 2 + 1000, mix: 'answered=100',
    extra: ['--mean-call-seconds', '3600', '--ring-seconds', '2', '--analysis-seconds', '1'] });
  running.push(sim);
  const configArgs = args.text('config') ? ['--config', args.text('config')] : [];
  const dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex'), args: configArgs });
  running.push(dialerd);
  const pid = dialerd.proc.pid;
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  const now = new Date();
  const callable = callableNow(now);

  // Phase 1: tenant A holds `holdCalls` calls; each campaign also has three leads it must not dial.
  const a = await registerTenant(dialerd.url, 'Hold Co');
  const cap = Math.ceil(holdCalls / holdCampaigns);
  const holdIds = await makeCampaigns(a, holdCampaigns, cap, 'hold');
  const forbidden = new Set();
  const leads = [];
  const dnc = [];
  holdIds.forEach((id, c) => {
    for (let i = 0; i < cap && c * cap + i < holdCalls; i++)
      leads.push({ phone: `+1212${String(2000000 + c * cap + i)}`, campaign_id: id, ...callable });
    const base = 3000000 + c * 3;
    const [dncPhone, deniedPhone, nightPhone] = [0, 1, 2].map((k) => `+1312${String(base + k)}`);
    dnc.push(dncPhone);
    leads.push({ phone: dncPhone, campaign_id: id, ...callable });
    leads.push({ phone: deniedPhone, campaign_id: id, ...callable, consent_status: 'denied' });
    leads.push({ phone: nightPhone, campaign_id: id, ...callable, timezone: zoneAtLocalHour(3, now) });
    for (const p of [dncPhone, deniedPhone, nightPhone]) forbidden.add(p);
  });
  for (const phone of dnc) await a.must(201, 'POST', '/api/v1/compliance/dnc', { phone });
  await postLeads(a, leads);
  const rssBefore = rssBytes(pid);
  const cpuBefore = cpuSeconds(pid);

  progress(`${leads.length} leads in ${holdCampaigns} campaigns loaded; starting them`);
  const rampStart = Date.now();
  for (const id of holdIds) await a.must(200, 'POST', `/api/v1/campaigns/${id}/start`);
  await waitFor(async () => metricSum(await scrape(dialerd.url), 'dialer_active_calls') >= holdCalls, 900000, `${holdCalls} calls in flight`, 250);
  const rampSeconds = (Date.now() - rampStart) / 1000;
  // Every call_started delivered and applied, so that phase 2 measures refills, not a backlog.
  await waitFor(async () => {
    const s = await simRecord(sim.url, { summary: true });
    if (s.webhook_backlog !== 0 || s.webhooks_sent < holdCalls) return false;
    const [[unapplied]] = sql(database, 'select count(*) from webhook_pending');
    return unapplied === '0';
  }, 900000, 'the call_started webhooks to be applied', 250);
  const settledSeconds = (Date.now() - rampStart) / 1000;
  const rssHeld = rssBytes(pid);
  progress(`${holdCalls} calls in flight after ${rampSeconds} s; refill phase`);
  const heldSummary = await simRecord(sim.url, { summary: true });

  // Phase 2: tenant B's short calls refill lines while A's calls are held.
  await sim.configure({ mean_call_seconds: 1, ring_seconds: 1 });
  const b = await registerTenant(dialerd.url, 'Refill Co');
  // One number for all refill campaigns paces their creates together (1 ms apart at the
  // number's 1,000 a second): a burst of ends then waits in the gateway, not in the engine.
  const refillIds = await makeCampaigns(b, refillCampaigns, refillCap, 'refill', {},
    { ownNumbers: refillNumbers === 'own' });
  const [budgetId] = await makeCampaigns(b, 1, 5, 'budget',
    { budget_cents: budgetCents, est_cost_per_call_cents: estCost });
  const bLeads = [];
  refillIds.forEach((id, c) => {
    for (let i = 0; i < refillLeads; i++)
      bLeads.push({ phone: `+1415${String(4000000 + c * refillLeads + i)}`, campaign_id: id, ...callable });
  });
  for (let i = 0; i < 30; i++)
    bLeads.push({ phone: `+1415${String(6000000 + i)}`, campaign_id: budgetId, ...callable });
  await postLeads(b, bLeads);
  const refillStart = Date.now();
  for (const id of [...refillIds, budgetId]) await b.must(200, 'POST', `/api/v1/campaigns/${id}/start`);
  await waitFor(async () => {
    for (const id of [...refillIds, budgetId]) {
      const c = await b.must(200, 'GET', `/api/v1/campaigns/${id}`);
      if (c.status !== 'completed') return false;
    }
    return true;
  }, 900000, 'the refill and budget campaigns to complete', 500);
  const refillSeconds = (Date.now() - refillStart) / 1000;
  progress('refill campaigns completed; checking');
  const cpuAfter = cpuSeconds(pid);
  const metrics = await scrape(dialerd.url);

  // Promise checks.
  const record = await sim.record();
  const accepted = record.creates.filter((c) => c.accepted);
  const attemptIds = new Set(accepted.map((c) => c.metadata.attempt_id));
  const byCampaign = new Map();
  for (const c of accepted) {
    const id = Number(c.metadata.campaign_id);
    if (!byCampaign.has(id)) byCampaign.set(id, []);
    byCampaign.get(id).push(c);
  }
  let capViolations = 0;
  for (const id of holdIds) if (peakOverlap(linesOf(byCampaign.get(id))) > cap) capViolations++;
  for (const id of refillIds) if (peakOverlap(linesOf(byCampaign.get(id))) > refillCap) capViolations++;
  const refills = refillIds.flatMap((id) => refillTimes(linesOf(byCampaign.get(id)), refillCap));
  refills.sort((x, y) => x - y);
  const [[duplicateAttempts]] = sql(database,
    // Standbys withdrawn before they were sent stay 'planned' and give their number back.
    "select count(*) from (select lead_id, attempt_no from call_attempts where state <> 'planned'"
    + ' group by 1, 2 having count(*) > 1) d');
  const refillLeadIds = refillIds.join(',');
  const [[openRefillLeads]] = sql(database,
    `select count(*) from leads where campaign_id in (${refillLeadIds}) and status not in ('completed', 'failed', 'cancelled', 'dnc')`);
  const budgetStats = await b.must(200, 'GET', `/api/v1/campaigns/${budgetId}/stats`);
  const budgetPeak = peakOverlap(linesOf(byCampaign.get(budgetId)));
  const bCalls = await b.must(200, 'GET', '/api/v1/calls?limit=1000');
  const holdSet = new Set(holdIds);
  const crossTenant = bCalls.items.filter((c) => holdSet.has(c.campaign_id)).length;
  const bSeesA = (await b.call('GET', `/api/v1/campaigns/${holdIds[0]}`)).status === 404 ? 0 : 1;
  const aSeesB = (await a.call('GET', `/api/v1/campaigns/${refillIds[0]}/stats`)).status === 404 ? 0 : 1;

  const report = {
    machine: machine(),
    hold: {
      campaigns: holdCampaigns, cap_per_campaign: cap, calls_in_flight: holdCalls,
      simulator_concurrency: heldSummary.current_concurrency,
      ramp_seconds: rampSeconds, dials_per_second: Math.round(holdCalls / rampSeconds),
      start_to_every_call_started_applied_seconds: settledSeconds,
      rss_before_mib: +(rssBefore / 2 ** 20).toFixed(1), rss_held_mib: +(rssHeld / 2 ** 20).toFixed(1),
      memory_per_call_bytes: Math.round((rssHeld - rssBefore) / holdCalls),
    },
    refill: {
      campaigns: refillCampaigns, cap: refillCap, leads_per_campaign: refillLeads, numbers: refillNumbers,
      seconds: refillSeconds,
      refills_timed: refills.length,
      refill_ms: { p50: quantile(refills, 0.5), p90: quantile(refills, 0.9), p99: quantile(refills, 0.99),
        max: refills[refills.length - 1] },
    },
    engine_cpu_seconds: +(cpuAfter - cpuBefore).toFixed(1),
    webhook_ack_ms: { p50_at_most: histogramQuantile(metrics, 'dialer_webhook_ack_seconds', 0.5) * 1000,
      p99_at_most: histogramQuantile(metrics, 'dialer_webhook_ack_seconds', 0.99) * 1000 },
    storage_queue_wait_ms: { p50_at_most: histogramQuantile(metrics, 'dialer_storage_queue_seconds', 0.5) * 1000,
      p99_at_most: histogramQuantile(metrics, 'dialer_storage_queue_seconds', 0.99) * 1000 },
    dispatch_latency: {
      observations: metricSum(metrics, 'dialer_dispatch_latency_seconds_count'),
      p50_at_most_ms: histogramQuantile(metrics, 'dialer_dispatch_latency_seconds', 0.5) * 1000,
      p99_at_most_ms: histogramQuantile(metrics, 'dialer_dispatch_latency_seconds', 0.99) * 1000,
    },
    // dialerd's own part of a refill (line freed -> create sent), by its histogram's buckets.
    slot_refill_in_engine: {
      observations: metricSum(metrics, 'dialer_slot_refill_seconds_count'),
      p50_at_most_ms: histogramQuantile(metrics, 'dialer_slot_refill_seconds', 0.5) * 1000,
      p90_at_most_ms: histogramQuantile(metrics, 'dialer_slot_refill_seconds', 0.9) * 1000,
      p99_at_most_ms: histogramQuantile(metrics, 'dialer_slot_refill_seconds', 0.99) * 1000,
    },
    // Dials journalled ahead of a free line (engine.standby_dials): sent, or withdrawn unsent.
    standby_dials: {
      sent: metricSum(metrics, 'dialer_standby_dials_total', { result: 'sent' }),
      withdrawn: metricSum(metrics, 'dialer_standby_dials_total', { result: 'withdrawn' }),
    },
    promises: {
      duplicate_dials: accepted.length - attemptIds.size,
      duplicate_attempts_in_journal: Number(duplicateAttempts),
      campaigns_over_their_cap: capViolations,
      forbidden_numbers_dialled: record.creates.filter((c) => forbidden.has(c.to_number)).length,
      budget_overrun_cents: Math.max(0, budgetStats.spent_cents - budgetCents),
      budget_calls_in_flight_over_holds: Math.max(0, budgetPeak - budgetLines),
      refill_leads_not_terminal: Number(openRefillLeads),
      other_tenant_rows_visible: crossTenant + bSeesA + aSeesB,
    },
  };
  console.log(JSON.stringify(report, null, 2));
  await dialerd.stop();
  await sim.stop();
  const failed = Object.entries(report.promises).filter(([, v]) => v !== 0);
  if (failed.length) {
    console.error(`promise checks failed: ${failed.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    process.exit(1);
  }
}

main().catch(async (e) => {
  console.error(e.stack || String(e));
  for (const p of running.reverse()) await p.stop();
  process.exit(1);
});
