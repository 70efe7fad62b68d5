// Scenario-driven load run: dialerd against the Retell simulator, shaped by a JSON scenario
// (tenants x campaigns x leads, outcome mix, call length, time scale, faults), sampled every
// second, then checked against the engine's promises from the simulator's record and the
// database. Run after scripts/build.sh (or with DIALERD_BIN / SIM_BIN), with PG* variables
// pointing at a PostgreSQL (a cluster of your own with fsync on for figures; pg_virtualenv works):
//   node loadtest/run_scenario.mjs loadtest/scenarios/smoke.json [--out DIR]
// Writes DIR/report.json and DIR/report.html (charts over time; DIR defaults to a new directory
// under the system's temporary directory) and prints the figures and checks. Exit code 0 when
// every promise check is 0, 1 when one is not (or the run failed), 2 on a bad scenario.
// The scenario keys are described in loadtest/README.md.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callingWindows } from './driver/calling_windows.mjs';
import {
  callableNow, createDatabase, fastNumberCallsPerSecond, registerTenant, sql, sqlAsync, startDialerd, startSim, waitFor, zoneAtLocalHour,
} from './driver/harness.mjs';
import {
  bucketCount, bucketQuantile, bucketsSince, commandLine, cpuSeconds, histogramBuckets, machine, metricSum, mib,
  refillTimes, rssBytes, scrape, simRecord, summarize,
} from './driver/measure.mjs';
import { promiseChecks } from './driver/promise_checks.mjs';
import { renderReport } from './driver/report_html.mjs';

// ---- the scenario --------------------------------------------------------------------------

/** Every key a scenario may have, with its default. */
const scenarioDefaults = {
  name: 'unnamed',
  description: '',
  tenants: 1,
  campaigns_per_tenant: 1,
  leads_per_campaign: 10,
  max_concurrent_calls: 5,
  // More fields of POST /campaigns (max_attempts, retry, budget_cents, ...).
  campaign: {},
  // Leads per campaign that must never be dialled: on the tenant's DNC list, consent denied.
  forbidden_leads_per_campaign: { dnc: 0, consent_denied: 0 },
  // Per tenant: leads whose local time is in the night, in a campaign of their own that never
  // completes (they wait for their window); stopped at the end.
  night_leads_per_tenant: 0,
  // dialerd's retell.concurrency_limit and the simulator's --concurrency-limit (0: no limit).
  account_concurrency_limit: 0,
  // retell_sim options by their flag names with _ for -, e.g. time_scale, mix, mean_call_seconds.
  simulator: {},
  // More dialerd configuration, as TOML tables: {"engine": {"storage_threads": 8}, "database_pool_size": 16}.
  dialerd: {},
  timeout_seconds: 300,
  sample_interval_ms: 1000,
};

/** The scenario of `file` with defaults filled in; throws naming every unknown key. */
function loadScenario(file) {
  const given = JSON.parse(readFileSync(file, 'utf8'));
  const unknown = Object.keys(given).filter((k) => !(k in scenarioDefaults));
  if (unknown.length) throw new Error(`unknown scenario keys: ${unknown.join(', ')}`);
  const s = { ...scenarioDefaults, ...given,
    forbidden_leads_per_campaign: { ...scenarioDefaults.forbidden_leads_per_campaign, ...given.forbidden_leads_per_campaign } };
  for (const k of ['tenants', 'campaigns_per_tenant', 'max_concurrent_calls']) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${k} must be a positive integer`);
  }
  for (const k of ['concurrency_limit', 'api_key', 'listen', 'webhook_url']) {
    if (k in s.simulator) throw new Error(`simulator.${k} is set by the run (the account's limit: account_concurrency_limit)`);
  }
  return s;
}

/** retell_sim's command line for the scenario's simulator options. */
function simulatorArgs(options) {
  const args = [];
  for (const [key, value] of Object.entries(options)) {
    if (key === 'time_scale' || key === 'mix') continue;  // startSim's own arguments
    const flag = `--${key.replaceAll('_', '-')}`;
    if (value === true) args.push(flag);
    else if (value !== false) args.push(flag, String(value));
  }
  return args;
}

/** A TOML value: text quoted, numbers and flags as they are. */
const tomlValue = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** dialerd's configuration file: the scenario's settings and the account's line limit. */
function dialerdToml(scenario) {
  const settings = structuredClone(scenario.dialerd);
  settings.retell = { ...(settings.retell ?? {}), concurrency_limit: scenario.account_concurrency_limit };
  const lines = [];
  for (const [k, v] of Object.entries(settings)) if (typeof v !== 'object') lines.push(`${k} = ${tomlValue(v)}`);
  for (const [table, values] of Object.entries(settings)) {
    if (typeof values !== 'object') continue;
    lines.push('', `[${table}]`);
    for (const [k, v] of Object.entries(values)) lines.push(`${k} = ${tomlValue(v)}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---- the run -------------------------------------------------------------------------------

const args = commandLine();
const scenarioFile = process.argv[2];
const t0 = Date.now();
const progress = (what) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
const running = [];  // processes to stop, also when the run fails

/** Creates one tenant's agent, number, campaigns and leads; returns what the checks need. */
async function setUpTenant(api, t, scenario, phones, now) {
  const fromNumber = '+14155550100';
  const agent = await api.must(201, 'POST', '/api/v1/agents', { name: 'Load agent', retell_agent_id: `agent_load_${t}` });
  // Registered fast, so the provider's per-number pacing does not shape the scenario.
  await api.must(201, 'POST', '/api/v1/numbers',
    { e164: fromNumber, provider: 'retell', country: 'US', calls_per_second: fastNumberCallsPerSecond });
  const newCampaign = async (name, cap) => (await api.must(201, 'POST', '/api/v1/campaigns', {
    name, agent_id: agent.id, from_number: fromNumber, max_concurrent_calls: cap, ...scenario.campaign })).id;
  const campaigns = [];
  const leads = [];
  const dnc = [];
  // Callable leads are spread over zones where it is now between 10:00 and 18:59, so that they
  // stay inside the 08:00-21:00 window for at least two hours whatever the hour of the run.
  const callable = (n) => ({ ...callableNow(now), timezone: zoneAtLocalHour(10 + (n % 9), now) });
  for (let c = 0; c < scenario.campaigns_per_tenant; c++) {
    const id = await newCampaign(`load ${t}.${c}`, scenario.max_concurrent_calls);
    campaigns.push({ id, cap: scenario.max_concurrent_calls, kind: 'regular' });
    for (let i = 0; i < scenario.leads_per_campaign; i++) {
      const n = phones.next++;
      leads.push({ phone: `+1212${2000000 + n}`, campaign_id: id, ...callable(n) });
    }
    for (let i = 0; i < scenario.forbidden_leads_per_campaign.dnc; i++) {
      const n = phones.next++;
      dnc.push(`+1312${2000000 + n}`);
      leads.push({ phone: dnc.at(-1), campaign_id: id, ...callable(n) });
    }
    for (let i = 0; i < scenario.forbidden_leads_per_campaign.consent_denied; i++) {
      const n = phones.next++;
      leads.push({ phone: `+1312${2000000 + n}`, campaign_id: id, ...callable(n), consent_status: 'denied' });
    }
  }
  if (scenario.night_leads_per_tenant > 0) {
    const id = await newCampaign(`night ${t}`, scenario.max_concurrent_calls);
    campaigns.push({ id, cap: scenario.max_concurrent_calls, kind: 'night' });
    for (let i = 0; i < scenario.night_leads_per_tenant; i++) {
      // 03:xx and 23:xx local: the 08:00 window is at least four and eight hours away.
      leads.push({ phone: `+1646${2000000 + phones.next++}`, campaign_id: id, ...callableNow(now),
        timezone: zoneAtLocalHour(i % 2 ? 23 : 3, now) });
    }
  }
  for (const phone of dnc) await api.must(201, 'POST', '/api/v1/compliance/dnc', { phone, reason: 'load run' });
  for (let i = 0; i < leads.length; i += 1000) await api.must(201, 'POST', '/api/v1/leads', leads.slice(i, i + 1000));
  return { api, campaigns, leadCount: leads.length };
}

/** Reads the engine and the simulator once. */
async function takeSample(dialerd, sim) {
  const t = Date.now();
  const [text, simSummary] = await Promise.all([scrape(dialerd.url), simRecord(sim.url, { summary: true })]);
  return {
    at: t,
    active: metricSum(text, 'dialer_active_calls'),
    dials: metricSum(text, 'dialer_dials_total'),
    webhooks: metricSum(text, 'dialer_webhook_events_total'),
    ack: histogramBuckets(text, 'dialer_webhook_ack_seconds'),
    dispatch: histogramBuckets(text, 'dialer_dispatch_latency_seconds'),
    storageQueue: histogramBuckets(text, 'dialer_storage_queue_seconds'),
    simConcurrency: simSummary.current_concurrency,
    rss: rssBytes(dialerd.proc.pid),
    cpu: cpuSeconds(dialerd.proc.pid),
    simCpu: cpuSeconds(sim.proc.pid),
  };
}

/** Samples every `everyMs` until stopped; `stop()` resolves to the samples. */
function startSampler(dialerd, sim, everyMs) {
  const samples = [];
  let busy = false;
  const tick = async () => {
    if (busy) return;  // a slow scrape: skip this tick rather than pile up requests
    busy = true;
    try {
      samples.push(await takeSample(dialerd, sim));
    } catch (e) {
      progress(`sample failed: ${e.message}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    samples,
    stop: async () => {
      clearInterval(timer);
      await waitFor(() => !busy, 10000, 'the last sample');
      await tick();
      return samples;
    },
  };
}

/** Seconds as milliseconds with two decimals; null for no value. */
const toMs = (seconds) => (Number.isFinite(seconds) ? +(seconds * 1000).toFixed(2) : null);

/** One point per sample interval: levels at its end, rates and latency quantiles over it. */
function timeline(samples, startedAt) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1], samples[i]];
    const dt = (b.at - a.at) / 1000;
    const ack = bucketsSince(b.ack, a.ack);
    const dispatch = bucketsSince(b.dispatch, a.dispatch);
    const storageQueue = bucketsSince(b.storageQueue, a.storageQueue);
    points.push({
      t: +((b.at - startedAt) / 1000).toFixed(2),
      engine_active_calls: b.active,
      simulator_concurrency: b.simConcurrency,
      dials_per_second: +((b.dials - a.dials) / dt).toFixed(1),
      webhooks_per_second: +((b.webhooks - a.webhooks) / dt).toFixed(1),
      webhook_acks: bucketCount(ack),
      webhook_ack_p50_ms: toMs(bucketQuantile(ack, 0.5)),
      webhook_ack_p99_ms: toMs(bucketQuantile(ack, 0.99)),
      dispatch_p99_ms: toMs(bucketQuantile(dispatch, 0.99)),
      storage_queue_p99_ms: toMs(bucketQuantile(storageQueue, 0.99)),
      engine_rss_mib: mib(b.rss),
      engine_cpu_percent: +(((b.cpu - a.cpu) / dt) * 100).toFixed(1),
      simulator_cpu_percent: +(((b.simCpu - a.simCpu) / dt) * 100).toFixed(1),
    });
  }
  return points;
}

/** Every call the simulator placed (v3 list-calls, all pages), by call id. */
async function simCalls(sim, apiKey) {
  const calls = new Map();
  let paginationKey;
  for (;;) {
    const res = await fetch(`${sim.url}/v3/list-calls`, { method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 1000, ...(paginationKey ? { pagination_key: paginationKey } : {}) }) });
    if (res.status !== 200) throw new Error(`list-calls: ${res.status} ${await res.text()}`);
    const page = await res.json();
    for (const c of page.items) calls.set(c.call_id, c);
    if (!page.has_more) return calls;
    paginationKey = page.pagination_key;
  }
}

/** Quantiles of a histogram in ms, interpolated, and the bucket bounds they are sure to be under;
 *  one beyond the last bucket is given as the text "> bound". */
function histogramFigures(buckets) {
  const lastBound = buckets.filter(([le]) => le !== Infinity).at(-1)?.[0];
  const q = (f, upper) => {
    if (bucketQuantile(buckets, f, { upper: true }) === Infinity) return `> ${toMs(lastBound)}`;
    return toMs(bucketQuantile(buckets, f, { upper }));
  };
  return { observations: bucketCount(buckets), p50: q(0.5), p99: q(0.99), p999: q(0.999),
    at_most: { p50: q(0.5, true), p99: q(0.99, true), p999: q(0.999, true) } };
}

/** Starts the simulator and dialerd (its configuration written to `outDir`) on a new database. */
async function startProcesses(scenario, outDir) {
  const apiKey = `key_load_${randomBytes(6).toString('hex')}`;
  const database = createDatabase('dialer_load');
  const limit = scenario.account_concurrency_limit;
  const sim = await startSim({ apiKey, timeScale: scenario.simulator.time_scale ?? 1, mix: scenario.simulator.mix,
    // No limit on the account: a very large one, so that the simulator's peak says what was used.
    concurrencyLimit: limit > 0 ? limit : 1000000, extra: simulatorArgs(scenario.simulator) });
  running.push(sim);
  const configFile = path.join(outDir, 'dialerd.toml');
  writeFileSync(configFile, dialerdToml(scenario));
  const dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex'), args: ['--config', configFile], env: { DIALER_LOG_LEVEL: 'warn' } });
  running.push(dialerd);
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  return { apiKey, database, sim, dialerd };
}

/**
 * Starts every campaign and samples until the regular ones complete (or the scenario's
 * timeout), then until every placed call is analysed and every webhook delivered and applied;
 * stops the night campaigns. Returns the samples and the moments of the run.
 */
async function runCampaigns(scenario, { database, sim, dialerd }, tenants) {
  const regular = tenants.flatMap((t) => t.campaigns).filter((c) => c.kind === 'regular');
  const rssBefore = rssBytes(dialerd.proc.pid);
  const sampler = startSampler(dialerd, sim, scenario.sample_interval_ms);
  await new Promise((r) => setTimeout(r, scenario.sample_interval_ms));
  const startedAt = Date.now();
  await Promise.all(tenants.map(async (t) => {
    for (const c of t.campaigns) await t.api.must(200, 'POST', `/api/v1/campaigns/${c.id}/start`);
  }));
  const deadline = startedAt + scenario.timeout_seconds * 1000;
  let lastNote = 0;
  for (;;) {
    const [[done]] = await sqlAsync(database, `select count(*) from campaigns
      where id in (${regular.map((c) => c.id).join(',')}) and status = 'completed'`);
    if (Number(done) === regular.length || Date.now() > deadline) break;
    if (Date.now() - lastNote > 10000) {
      progress(`${done}/${regular.length} campaigns completed, ${sampler.samples.at(-1)?.active ?? '?'} calls in flight`);
      lastNote = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const completedAt = Date.now();
  await waitFor(async () => {
    const s = await simRecord(sim.url, { summary: true });
    const [[unapplied]] = await sqlAsync(database, 'select count(*) from webhook_pending');
    return s.calls_analyzed === s.calls_total && s.webhook_backlog === 0 && unapplied === '0';
  }, 60000, 'the last calls and webhooks to settle', 500).catch((e) => progress(e.message));
  const samples = await sampler.stop();
  const endedAt = Date.now();
  for (const t of tenants) {
    for (const c of t.campaigns.filter((x) => x.kind === 'night')) await t.api.must(200, 'POST', `/api/v1/campaigns/${c.id}/stop`);
  }
  progress(`campaigns completed after ${((completedAt - startedAt) / 1000).toFixed(1)} s; checking`);
  return { samples, rssBefore, startedAt, completedAt, endedAt };
}

/** What the run left behind: the simulator's record and the rows the checks read. */
async function readOutcome(scenario, { apiKey, database, sim }) {
  const record = await simRecord(sim.url);
  const timeScale = scenario.simulator.time_scale ?? 1;
  const calls = timeScale === 1 ? null : await simCalls(sim, apiKey);
  const leadRows = sql(database, 'select id, tenant_id, campaign_id, timezone, country_iso, consent_status, status from leads');
  return {
    record,
    /** When a placed call ended on the wall clock: the record's ended_at_ms follows simulated
     *  time for a connected call (start + simulated length), so at another time scale it is rescaled. */
    wallEnd: (c) => {
      const call = calls?.get(c.call_id);
      if (c.ended_at_ms == null || !call?.duration_ms || call.start_timestamp == null) return c.ended_at_ms;
      return call.start_timestamp + call.duration_ms / timeScale;
    },
    leads: new Map(leadRows.map(([id, tenant, campaign, zone, country, consent, status]) =>
      [id, { tenant, campaign, zone, country, consent, status }])),
    dncNumbers: new Set(sql(database, 'select tenant_id, phone from dnc_numbers').map(([t, p]) => `${t}:${p}`)),
    attemptNo: new Map(sql(database, 'select id, attempt_no from call_attempts')),
    campaignStatus: new Map(sql(database, 'select id, status from campaigns')),
    webhooksNotApplied: Number(sql(database, 'select count(*) from webhook_pending')[0][0]),
    dispositions: Object.fromEntries(sql(database, `select disposition, count(*) from call_attempts
      where disposition <> 'none' group by 1 order by 1`).map(([d, n]) => [d, Number(n)])),
  };
}

/** The run's figures: rates, latencies, refill, memory and CPU, outcomes and faults. */
function figuresOf({ samples, rssBefore, startedAt, completedAt, endedAt }, outcome, campaigns, linesAllowed, tl) {
  const { record, wallEnd, attemptNo } = outcome;
  const placed = record.creates.filter((c) => c.accepted);
  const [first, last] = [samples[0], samples.at(-1)];
  const seconds = (endedAt - startedAt) / 1000;
  const peak = samples.reduce((best, s) => (s.active > best.active ? s : best), first);
  const max = (key) => Math.max(0, ...tl.map((p) => p[key]));

  // Refill: per campaign, creates by arrival; only first attempts are timed (a retry waits for
  // its due time, not for a line).
  const refills = [];
  for (const c of campaigns.filter((x) => x.kind === 'regular')) {
    const mine = placed.filter((p) => String(p.metadata?.campaign_id) === String(c.id))
      .sort((x, y) => x.received_at_ms - y.received_at_ms);
    const firstAttempt = (k) => attemptNo.get(String(mine[k].metadata?.attempt_id)) === '1';
    refills.push(...refillTimes(mine.map((p) => [p.received_at_ms, wallEnd(p)]), c.cap, firstAttempt));
  }
  const dialTimes = placed.map((c) => c.received_at_ms);
  const dialSpan = (Math.max(...dialTimes) - Math.min(...dialTimes)) / 1000;
  const notPlaced = {};
  for (const c of record.creates) if (c.reason) notPlaced[c.reason] = (notPlaced[c.reason] ?? 0) + 1;
  const cpu = last.cpu - first.cpu;
  return {
    run_seconds_to_campaigns_completed: +((completedAt - startedAt) / 1000).toFixed(1),
    creates_received_by_simulator: record.creates.length,
    calls_placed: placed.length,
    creates_refused_or_ended_at_once_by_reason: notPlaced,
    peak_calls_in_flight: { simulator: record.peak_concurrency, dialerd: peak.active, lines_allowed: linesAllowed },
    dials_per_second: { mean: dialSpan > 0 ? +(placed.length / dialSpan).toFixed(1) : null, peak: max('dials_per_second') },
    webhook_events_received: last.webhooks - first.webhooks,
    webhook_events_per_second: { mean: +((last.webhooks - first.webhooks) / seconds).toFixed(1), peak: max('webhooks_per_second') },
    webhook_ack_ms: histogramFigures(bucketsSince(last.ack, first.ack)),
    dispatch_latency_ms: histogramFigures(bucketsSince(last.dispatch, first.dispatch)),
    storage_queue_wait_ms: histogramFigures(bucketsSince(last.storageQueue, first.storageQueue)),
    slot_refill_ms: summarize(refills),
    engine_rss_mib: { before: mib(rssBefore), at_peak_calls: mib(peak.rss), max: max('engine_rss_mib') },
    engine_rss_per_active_call_bytes: peak.active > 0 ? Math.round((peak.rss - rssBefore) / peak.active) : null,
    engine_cpu: { seconds: +cpu.toFixed(1), mean_percent_of_one_core: +((cpu / seconds) * 100).toFixed(1),
      peak_percent_of_one_core: max('engine_cpu_percent') },
    simulator_cpu_seconds: +(last.simCpu - first.simCpu).toFixed(1),
    dispositions: outcome.dispositions,
    simulator_faults: { duplicates_sent: record.duplicates_sent, reordered_calls: record.reordered_calls,
      call_started_dropped: record.call_started_dropped, webhook_retries: record.webhook_retries },
  };
}

async function main() {
  if (!scenarioFile || scenarioFile.startsWith('--')) {
    console.error('usage: node loadtest/run_scenario.mjs <scenario.json> [--out DIR]');
    process.exit(2);
  }
  let scenario;
  try {
    scenario = loadScenario(scenarioFile);
  } catch (e) {
    console.error(`${scenarioFile}: ${e.message}`);
    process.exit(2);
  }
  const outDir = args.text('out') ?? mkdtempSync(path.join(os.tmpdir(), `dialer-scenario-${scenario.name}-`));
  mkdirSync(outDir, { recursive: true });
  const [[fsync]] = sql('postgres', 'show fsync');
  const [[syncCommit]] = sql('postgres', 'show synchronous_commit');
  const processes = await startProcesses(scenario, outDir);

  // Set-up: tenants in parallel (each has its own API rate limit).
  const now = new Date();
  const phones = { next: 0 };
  const tenants = await Promise.all(Array.from({ length: scenario.tenants }, async (_, t) =>
    setUpTenant(await registerTenant(processes.dialerd.url, `Load ${t}`), t, scenario, phones, now)));
  const campaigns = tenants.flatMap((t) => t.campaigns);
  const capSum = campaigns.filter((c) => c.kind === 'regular').reduce((n, c) => n + c.cap, 0);
  const limit = scenario.account_concurrency_limit;
  const summary = { tenants: scenario.tenants, campaigns: campaigns.length, leads: tenants.reduce((n, t) => n + t.leadCount, 0),
    campaign_cap: scenario.max_concurrent_calls, sum_of_caps: capSum, account_limit: limit,
    lines_allowed: limit > 0 ? Math.min(capSum, limit) : capSum, time_scale: scenario.simulator.time_scale ?? 1 };
  progress(`${summary.tenants} tenants, ${summary.campaigns} campaigns, ${summary.leads} leads; starting`);

  const run = await runCampaigns(scenario, processes, tenants);
  const outcome = await readOutcome(scenario, processes);
  const promises = promiseChecks({
    creates: outcome.record.creates, wallEnd: outcome.wallEnd, accountLimit: limit,
    peakConcurrency: outcome.record.peak_concurrency, leads: outcome.leads, dncNumbers: outcome.dncNumbers,
    campaigns: campaigns.map((c) => ({ ...c, status: outcome.campaignStatus.get(String(c.id)) })),
    maxAttempts: scenario.campaign.max_attempts ?? 1, allowedAt: callingWindows(),
    webhooksNotApplied: outcome.webhooksNotApplied,
  });
  const tl = timeline(run.samples, run.startedAt);
  const figures = figuresOf(run, outcome, campaigns, summary.lines_allowed, tl);
  const report = {
    scenario,
    scenario_summary: summary,
    machine: machine(),
    postgres: { fsync, synchronous_commit: syncCommit },
    started_at: new Date(run.startedAt).toISOString(),
    sample_interval_ms: scenario.sample_interval_ms,
    figures,
    promises,
    notes: {
      slot_refill_ms: 'first attempts only: from the end of the call whose line a create took (simulator clock, rescaled to the wall clock) to the create; includes waiting for an account line when the account limit binds, and provider refusals retried',
      webhook_ack_ms: 'dialerd histogram dialer_webhook_ack_seconds over the run: quantiles interpolated within buckets; at_most gives the bucket bound (buckets end at 1 s)',
      calling_windows: 'each create checked against its country window (config/country_rules.json) in the lead zone at the instant the simulator received it',
      storage_queue_wait_ms: 'dialer_storage_queue_seconds: how long engine database jobs (webhook applies, attempt closes, journal commits) waited for a storage thread; a refill waits behind them',
      engine_rss_per_active_call_bytes: 'dialerd RSS growth from before the start to the sample with the most calls in flight, per call in flight then',
    },
    timeline: tl,
  };
  writeFileSync(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'report.html'), renderReport(report));
  await processes.dialerd.stop();
  await processes.sim.stop();
  running.length = 0;
  console.log(JSON.stringify({ scenario: scenario.name, out: outDir, figures, promises }, null, 2));
  const failed = Object.entries(promises).filter(([, v]) => v !== 0);
  if (failed.length) {
    console.error(`promise checks failed: ${failed.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    process.exit(1);
  }
  progress(`every promise check is 0; report in ${outDir}`);
}

main().catch(async (e) => {
  console.error(e.stack || String(e));
  for (const p of running.reverse()) await p.stop();
  process.exit(1);
});
