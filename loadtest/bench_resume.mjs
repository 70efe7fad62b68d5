// Benchmark (not a test): time for dialerd to resume after kill -9 with many running campaigns
// and many calls in flight. Run under pg_virtualenv (fsync off: this measures recovery work,
// not durability), after scripts/build.sh:
//   pg_virtualenv -- node loadtest/bench_resume.mjs [--campaigns 1000] [--leads 10] [--config dialerd.toml]
// Prints one JSON report: dial ramp, restart-to-listening, restart-to-all-calls-followed, and
// the simulator's own check that no call was placed twice.

import { randomBytes } from 'node:crypto';
import {
  callableNow, createDatabase, fastNumberCallsPerSecond, registerTenant, startDialerd, startSim,
  waitFor,
} from './driver/harness.mjs';
import { commandLine, machine, metricSum, scrape, simRecord } from './driver/measure.mjs';

const args = commandLine();
const campaigns = args.number('campaigns', 1000);
const leadsPer = args.number('leads', 10);
const total = campaigns * leadsPer;
const apiKey = `key_bench_${randomBytes(6).toString('hex')}`;
const jwtSecret = randomBytes(24).toString('hex');

/** Calls in flight: dialer_active_calls has one series per tenant. */
async function activeCalls(url) {
  return metricSum(await scrape(url), 'dialer_active_calls');
}

async function main() {
  const database = createDatabase('dialer_bench');
  // Every call connects and lasts far longer than the benchmark (600 simulated s at 1x).
  const sim = await startSim({ apiKey, timeScale: 1, concurrencyLimit: total * 2, mix: 'answered=100',
    extra: ['--mean-call-seconds', '3600', '--ring-seconds', '5'] });
  const configArgs = args.text('config') ? ['--config', args.text('config')] : [];
  const start = (extraEnv = {}) => startDialerd({ database, retellBaseUrl: sim.url, apiKey, jwtSecret, env: extraEnv,
    args: configArgs });
  let dialerd = await start();
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  const api = await registerTenant(dialerd.url, 'Bench Co');
  const agent = await api.must(201, 'POST', '/api/v1/agents', { name: 'a', retell_agent_id: 'agent_bench' });
  await api.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550100', calls_per_second: fastNumberCallsPerSecond });
  const ids = [];
  for (let c = 0; c < campaigns; c++) {
    const created = await api.must(201, 'POST', '/api/v1/campaigns',
      { name: `bench ${c}`, agent_id: agent.id, from_number: '+14155550100', max_concurrent_calls: leadsPer });
    ids.push(created.id);
  }
  const leads = [];
  ids.forEach((id, c) => {
    for (let i = 0; i < leadsPer; i++) leads.push({ phone: `+1212${String(2000000 + c * leadsPer + i)}`, campaign_id: id, ...callableNow() });
  });
  for (let i = 0; i < leads.length; i += 10000) await api.must(201, 'POST', '/api/v1/leads', leads.slice(i, i + 10000));

  const rampStart = Date.now();
  for (const id of ids) await api.must(200, 'POST', `/api/v1/campaigns/${id}/start`);
  await waitFor(async () => (await activeCalls(dialerd.url)) >= total, 600000, 'every call in flight', 200);
  const rampSeconds = (Date.now() - rampStart) / 1000;
  const before = await simRecord(sim.url, { summary: true });

  await dialerd.kill9();
  const restartAt = Date.now();
  dialerd = await start();
  const listeningSeconds = (Date.now() - restartAt) / 1000;
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  await waitFor(async () => (await activeCalls(dialerd.url)) >= total, 600000, 'every call followed again', 100);
  const followedSeconds = (Date.now() - restartAt) / 1000;
  const after = await simRecord(sim.url, { summary: true });
  const record = await simRecord(sim.url);
  const attempts = new Set(record.creates.filter((c) => c.accepted).map((c) => c.metadata.attempt_id));

  const report = {
    machine: machine(),
    campaigns, leads_per_campaign: leadsPer, calls_in_flight: total,
    dial_ramp_seconds: rampSeconds, dials_per_second: Math.round(total / rampSeconds),
    restart_to_listening_seconds: listeningSeconds,
    restart_to_all_calls_followed_seconds: followedSeconds,
    creates_before_kill: before.calls_total ?? record.creates.length,
    creates_after_restart: after.calls_total ?? record.creates.length,
    distinct_attempts_dialled: attempts.size,
    duplicate_dials: record.creates.filter((c) => c.accepted).length - attempts.size,
  };
  console.log(JSON.stringify(report, null, 2));
  await dialerd.stop();
  await sim.stop();
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
