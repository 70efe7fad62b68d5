// Chaos end to end: dialerd is killed with SIGKILL in the middle of a campaign and restarted
// on the same database. Checked from the simulator's record: no attempt dialled twice, no
// lead dialled twice, every lead terminal at the end.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createDatabase, registerTenant, setupCampaign, sql, startDialerd, startSim, waitFor, waitForCompletion,
} from '../../loadtest/driver/harness.mjs';

const apiKey = `key_chaos_${randomBytes(6).toString('hex')}`;
const jwtSecret = randomBytes(24).toString('hex');
const running = [];

after(async () => {
  for (const p of running) await p.stop();
});

async function dialerdOn(database, sim) {
  const d = await startDialerd({ database, retellBaseUrl: sim.url, apiKey, jwtSecret });
  running.push(d);
  await sim.configure({ webhook_url: `${d.url}/api/v1/webhooks/retell` });
  return d;
}

/** Every acknowledged webhook gets applied; late ones (a reordered call_started after the
 *  campaign completed) within a few seconds. */
async function allWebhooksApplied(database) {
  await waitFor(() => sql(database, `select count(*) from webhook_pending`)[0][0] === '0',
    10000, 'every stored webhook to be applied');
}

function assertNoDuplicateDials(record, leadCount) {
  const accepted = record.creates.filter((c) => c.accepted);
  const perLead = new Map();
  const perAttempt = new Map();
  for (const c of accepted) {
    perLead.set(c.metadata.lead_id, (perLead.get(c.metadata.lead_id) || 0) + 1);
    perAttempt.set(c.metadata.attempt_id, (perAttempt.get(c.metadata.attempt_id) || 0) + 1);
  }
  for (const [attempt, n] of perAttempt) assert.equal(n, 1, `attempt ${attempt} was dialled ${n} times`);
  for (const [lead, n] of perLead) assert.equal(n, 1, `lead ${lead} was dialled ${n} times (max_attempts is 1)`);
  assert.ok(perLead.size <= leadCount);
}

/** A fresh database, a simulator (`simOptions`), dialerd, and a started campaign of
 *  `leadCount` leads with `cap` lines for a new tenant called `tenant`. */
async function startedCampaign(prefix, tenant, simOptions, { leadCount, cap }) {
  const database = createDatabase(prefix);
  const sim = await startSim({ apiKey, concurrencyLimit: 100, ...simOptions });
  running.push(sim);
  const dialerd = await dialerdOn(database, sim);
  const api = await registerTenant(dialerd.url, tenant);
  const { campaign } = await setupCampaign(api, { leadCount, cap });
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  return { database, sim, dialerd, api, campaign };
}

/** Starts dialerd again on the campaign's database and waits for the campaign to complete;
 *  the simulator's record must show no lead or attempt dialled twice and never more calls
 *  than `cap`, and every lead must be terminal. */
async function restartAndComplete({ database, sim, api, campaign }, leadCount, cap) {
  const dialerd = await dialerdOn(database, sim);
  api.base = dialerd.url;
  const stats = await waitForCompletion(api, campaign.id, 120000);
  const record = await sim.record();
  assertNoDuplicateDials(record, leadCount);
  assert.ok(record.peak_concurrency <= cap, `peak ${record.peak_concurrency} above cap ${cap}`);
  assert.equal(stats.leads_terminal, leadCount);
}

test('kill -9 in the middle of a campaign: after a restart nothing is dialled twice and every lead ends', async () => {
  const leadCount = 150;
  const cap = 12;
  const started = await startedCampaign('dialer_chaos', 'Chaos Co',
    { timeScale: 60, mix: 'answered=50,no_answer=20,busy=10,voicemail=10,failed=10' }, { leadCount, cap });
  const { database, api, campaign, dialerd } = started;

  // Kill while calls are in flight: some dialing, some connected, some ended without analysis.
  await waitFor(async () => {
    const s = await api.must(200, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    return s.leads_terminal >= leadCount / 4 && s.calls_in_progress > 0;
  }, 60000, 'a quarter of the leads to finish');
  await dialerd.kill9();
  const inFlight = Number(sql(database, `select count(*) from call_attempts where state in ('dialing','registered','ongoing')`)[0][0]);
  assert.ok(inFlight > 0, 'the kill should leave calls in flight');
  // Webhooks sent while the engine is down are lost for good (the simulator gives up).
  await new Promise((r) => setTimeout(r, 1500));

  await restartAndComplete(started, leadCount, cap);
  const [[open]] = sql(database, `select count(*) from leads where status not in ('completed','failed')`);
  assert.equal(open, '0');
  const [[openAttempts]] = sql(database,
    `select count(*) from call_attempts where closed_at is null
       or state in ('dialing','in_doubt','registered','ongoing')`);
  assert.equal(openAttempts, '0', 'every attempt reached a final state');
  await allWebhooksApplied(database);
});

test('a clean stop withdraws the standby dials: after a restart no lead lost an attempt to them', async () => {
  const leadCount = 24;
  const cap = 4;
  // Answered calls of about 6 s: the engine journals its standbys while every line is busy.
  const started = await startedCampaign('dialer_standby', 'Standby Co',
    { timeScale: 20, mix: 'answered=100' }, { leadCount, cap });
  const { database, sim, dialerd } = started;
  // More leads in progress than lines: the rest are standbys, journalled and not sent.
  await waitFor(() => Number(sql(database,
    `select count(*) from leads where status = 'in_progress'`)[0][0]) > cap, 30000, 'standby dials');
  await dialerd.stop();

  const withdrawn = sql(database, `select a.state, a.counts_as_attempt, l.status, l.attempts
    from call_attempts a join leads l on l.id = a.lead_id where a.error = 'withdrawn: engine stopped'`);
  assert.ok(withdrawn.length > 0, 'the stop withdrew the waiting standbys');
  for (const [state, counts, status, attempts] of withdrawn) {
    assert.equal(state, 'planned', 'never sent');
    assert.equal(counts, 'f', 'a withdrawn standby is no attempt');
    assert.equal(status, 'pending');
    assert.equal(attempts, '0');
  }
  const [[dialingLeft]] = sql(database,
    `select count(*) from call_attempts where state = 'dialing' and provider_call_id is null`);
  assert.equal(dialingLeft, '0', 'nothing is left for the next start to treat as in doubt');

  await sim.configure({ time_scale: 200 });
  await restartAndComplete(started, leadCount, cap);
  const [[completed]] = sql(database, `select count(*) from leads where status = 'completed'`);
  assert.equal(completed, String(leadCount), 'every lead answered: none failed as in doubt');
});

test('creates that time out are reconciled by attempt id, never resent, and followed to the end', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const database = createDatabase('dialer_slow');
  // The provider places every call but answers create-phone-call after 900 ms; dialerd gives
  // up after 300 ms, so each attempt is in doubt until list-calls finds it by its attempt id.
  const sim = await startSim({ apiKey, timeScale: 300, concurrencyLimit: 100, extra: ['--slow-ms', '900'],
    mix: 'answered=60,no_answer=20,busy=20' });
  running.push(sim);
  const dir = mkdtempSync(join(tmpdir(), 'dialerd-slow-'));
  const config = join(dir, 'dialerd.toml');
  writeFileSync(config, '[retell]\ntimeout_ms = 300\n');
  const d = await startDialerd({ database, retellBaseUrl: sim.url, apiKey, jwtSecret, args: ['--config', config] });
  running.push(d);
  await sim.configure({ webhook_url: `${d.url}/api/v1/webhooks/retell` });
  const api = await registerTenant(d.url, 'Slow Co');
  const leadCount = 30;
  const { campaign } = await setupCampaign(api, { leadCount, cap: 4 });
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  // The first creates time out; then the provider answers in time again (fewer timeouts in a
  // row than open the circuit breaker, which would only slow the test down).
  await waitFor(async () => (await sim.record()).creates.length >= 4, 30000, 'the first slow creates');
  await sim.configure({ slow_ms: 0 });
  const stats = await waitForCompletion(api, campaign.id, 120000);

  const record = await sim.record();
  assertNoDuplicateDials(record, leadCount);
  assert.equal(record.creates.filter((c) => c.accepted).length, leadCount, 'every lead dialled once');
  assert.equal(stats.leads_terminal, leadCount);
  const [[answered]] = sql(database, `select count(*) from call_attempts where provider_call_id is not null`);
  assert.equal(answered, String(leadCount), 'every in-doubt attempt found its provider call');
  const metrics = await (await fetch(`${d.url}/metrics`)).text();
  assert.match(metrics, /^dialer_dials_total\{(?=[^}]*result="unknown")[^}]*\} [1-9]/m, 'the timeouts were seen as in doubt');
});

test('PostgreSQL restarted under load: the engine recovers by itself and loses nothing acknowledged', async () => {
  const { execFileSync } = await import('node:child_process');
  const database = createDatabase('dialer_pgrestart');
  // The simulator keeps retrying webhooks for a while, as Retell does (3 retries there).
  const sim = await startSim({ apiKey, timeScale: 60, concurrencyLimit: 100,
    mix: 'answered=60,no_answer=20,busy=20', extra: ['--webhook-retries', '10', '--webhook-backoff-ms', '300'] });
  running.push(sim);
  const d = await dialerdOn(database, sim);
  const api = await registerTenant(d.url, 'Restart Co');
  const leadCount = 120;
  const cap = 10;
  const { campaign } = await setupCampaign(api, { leadCount, cap });
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  await waitFor(async () => {
    const s = await api.must(200, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    return s.leads_terminal >= leadCount / 4;
  }, 60000, 'a quarter of the leads to finish');

  // The cluster pg_virtualenv started for this run (found by its port), restarted fast.
  const cluster = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[2] === process.env.PGPORT);
  assert.ok(cluster, `no cluster on port ${process.env.PGPORT}`);
  execFileSync('pg_ctlcluster', [cluster[0], cluster[1], 'restart', '-m', 'fast'], { stdio: 'ignore' });

  const stats = await waitForCompletion(api, campaign.id, 180000);
  const record = await sim.record();
  assertNoDuplicateDials(record, leadCount);
  assert.equal(stats.leads_terminal, leadCount);
  assert.ok(record.peak_concurrency <= cap);
  await allWebhooksApplied(database);
  const [[openAttempts]] = sql(database,
    `select count(*) from call_attempts where closed_at is null
       or state in ('dialing','in_doubt','registered','ongoing')`);
  assert.equal(openAttempts, '0');
  const health = await fetch(`${d.url}/readyz`);
  assert.equal(health.status, 200, 'ready again after the restart');
});

test('a faulty provider (429 storms, 500s, duplicate, reordered and missing webhooks) costs no duplicate dial and no lead', async () => {
  const database = createDatabase('dialer_faults');
  const sim = await startSim({ apiKey, timeScale: 300, concurrencyLimit: 100,
    mix: 'answered=50,no_answer=20,busy=15,voicemail=15',
    extra: ['--fail-429-ratio', '0.3', '--fail-500-ratio', '0.1', '--duplicate-webhook-ratio', '0.3',
      '--reorder-webhooks-ratio', '0.3', '--drop-call-started-ratio', '0.3'] });
  running.push(sim);
  const d = await dialerdOn(database, sim);
  const api = await registerTenant(d.url, 'Faulty Co');
  const leadCount = 80;
  const cap = 8;
  const { campaign } = await setupCampaign(api, { leadCount, cap });
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  const stats = await waitForCompletion(api, campaign.id, 180000);

  const record = await sim.record();
  assertNoDuplicateDials(record, leadCount);
  assert.ok(record.creates.some((c) => c.status === 429), 'the storm happened');
  assert.ok(record.duplicates_sent > 0 && record.reordered_calls > 0, 'webhook faults happened');
  assert.ok(record.peak_concurrency <= cap);
  assert.equal(stats.leads_terminal, leadCount);
  // 429 refusals never count as attempts: every refused lead was dialled again later.
  const refusedLeads = new Set(record.creates.filter((c) => c.status === 429).map((c) => c.metadata.lead_id));
  const acceptedLeads = new Set(record.creates.filter((c) => c.accepted).map((c) => c.metadata.lead_id));
  // A 500 leaves the attempt in doubt; when the provider has no such call it fails (and counts).
  const inDoubtLeads = new Set(sql(database, `select lead_id from call_attempts where error like 'in_doubt%'`).map((r) => r[0]));
  for (const lead of refusedLeads) {
    assert.ok(acceptedLeads.has(lead) || inDoubtLeads.has(lead), `lead ${lead} was refused and never dialled again`);
  }
  const [[dupStored]] = sql(database,
    `select count(*) from (select provider_call_id, event from webhook_events group by 1, 2 having count(*) > 1) x`);
  assert.equal(dupStored, '0', 'duplicates are stored once');
  await allWebhooksApplied(database);
});

test('a failing provider opens the circuit breaker: dialling holds, then resumes by itself', async () => {
  const database = createDatabase('dialer_breaker');
  const sim = await startSim({ apiKey, timeScale: 300, concurrencyLimit: 100, mix: 'answered=100',
    extra: ['--fail-500-ratio', '1'] });
  running.push(sim);
  const d = await dialerdOn(database, sim);
  const api = await registerTenant(d.url, 'Breaker Co');
  const leadCount = 40;
  const { campaign } = await setupCampaign(api, { leadCount, cap: 10, campaign: { max_attempts: 3, retry: { failed_s: 1 } } });
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  await waitFor(async () => (await sim.record()).creates.length >= 5, 30000, 'the first failures');
  // Held: while every create fails, only a handful (5, then single probes) reach the provider.
  await new Promise((r) => setTimeout(r, 3000));
  const during = (await sim.record()).creates.length;
  assert.ok(during <= 12, `${during} creates reached a failing provider`);
  await sim.configure({ fail_500_ratio: 0 });
  const stats = await waitForCompletion(api, campaign.id, 180000);
  assert.equal(stats.leads_terminal, leadCount);
  const record = await sim.record();
  assertNoDuplicateDials(record, leadCount);
  assert.equal(record.creates.filter((c) => c.accepted).length, leadCount, 'every lead was dialled once the provider recovered');
});
