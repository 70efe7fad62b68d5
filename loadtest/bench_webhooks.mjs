// Benchmark (not a test): durable webhook ingest. Signed Retell webhooks (call_started,
// call_ended with a transcript, call_analyzed) for journalled attempts are posted to dialerd
// over keep-alive connections by loadtest/webhook_load (C++); each is answered 204 only after
// its inbox row is committed. The same generator then drives the Python peer
// (loadtest/peer/webhook_peer.py, FastAPI + uvicorn + SQLAlchemy over psycopg2, one commit per
// event) against the same PostgreSQL; it runs on
// Debian's /usr/bin/python3 with Debian's python3-fastapi, python3-uvicorn, python3-sqlalchemy
// and python3-psycopg2 (checked first; --no-peer skips it). Durability needs fsync: the
// benchmark refuses a server with fsync off (pg_virtualenv turns it off) unless --allow-fsync-off.
// Run after scripts/build.sh, with PG* variables pointing at a PostgreSQL cluster of your own:
//   node loadtest/bench_webhooks.mjs [--calls 15000] [--connections 64]
//                                    [--peer-calls 1500] [--peer-workers 2] [--no-peer]
//                                    [--config dialerd.toml] [--warmup-calls 3000]
// Prints one JSON report: events/s, latency quantiles, inbox drain, and the ratio to the peer.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  binaries, createDatabase, registerTenant, repoRoot, sql, startDialerd, startSim, waitFor,
} from './driver/harness.mjs';
import { commandLine, machine } from './driver/measure.mjs';

/** The body of event `kind` for one attempt, shaped like Retell's (RETELL.md). */
function eventBody(kind, call, tenantId) {
  const started = Date.now() - 60000;
  const c = {
    call_id: call.callId, call_type: 'phone_call', agent_id: 'agent_bench', direction: 'outbound',
    from_number: '+14155550100', to_number: call.phone,
    metadata: { attempt_id: String(call.attemptId), tenant_id: String(tenantId) },
    call_status: kind === 'call_started' ? 'ongoing' : 'ended', start_timestamp: started,
  };
  if (kind !== 'call_started') {
    Object.assign(c, {
      end_timestamp: started + 42000, duration_ms: 42000, disconnection_reason: 'user_hangup',
      transcript: 'Agent: Hello, this is the clinic calling about your appointment.\nUser: Yes, speaking.\n' +
        'Agent: You are due for a check-up. Would you like to book?\nUser: Sure, next Tuesday works.\n' +
        'Agent: Booked for Tuesday at nine. Goodbye!\n',
      call_cost: { combined_cost: 11, total_duration_seconds: 42, product_costs: [
        { product: 'retell_platform', unit_price: 0.1167, cost: 4.9 },
        { product: 'retell_twilio', unit_price: 0.025, cost: 1.05 }] },
      recording_url: `https://example.invalid/recordings/${call.callId}.wav`,
    });
  }
  if (kind === 'call_analyzed') {
    c.call_analysis = { call_summary: 'The user booked a check-up for Tuesday at nine.',
      user_sentiment: 'Positive', call_successful: true, in_voicemail: false };
  }
  return JSON.stringify({ event: kind, call: c });
}

/** Every event of the plan in the provider's order: all call_started, then all call_ended,
 *  then all call_analyzed. */
function planBodies(calls, tenantId) {
  const kinds = ['call_started', 'call_ended', 'call_analyzed'];
  return kinds.flatMap((kind) => calls.map((call) => eventBody(kind, call, tenantId)));
}

/** Posts the plan's events with the C++ generator (loadtest/webhook_load: `connections`
 *  keep-alive connections, each body signed as it is sent) and returns its report. */
function load({ url, key, calls, tenantId, connections }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-hooks-'));
  try {
    const bodies = path.join(dir, 'bodies.jsonl');
    writeFileSync(bodies, planBodies(calls, tenantId).join('\n') + '\n');
    const r = spawnSync(binaries().webhookLoad, ['--url', url, '--key', key, '--bodies', bodies,
      '--connections', String(connections)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.error) throw r.error;
    if (!r.stdout.trim()) throw new Error(`webhook_load printed nothing (exit ${r.status})`);
    const report = JSON.parse(r.stdout);
    delete report.answered;
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Journals `count` registered attempts (one lead each) straight into the database. */
function journalAttempts(database, tenantId, campaignId, count, prefix) {
  sql(database, `insert into leads (tenant_id, campaign_id, phone, status)
    select ${tenantId}, ${campaignId}, '+1646' || lpad(g::text, 7, '0'), 'in_progress' from generate_series(1, ${count}) g`);
  sql(database, `insert into call_attempts (tenant_id, campaign_id, lead_id, attempt_no, state, provider_call_id,
      to_number, dialing_at, registered_at)
    select tenant_id, campaign_id, id, 1, 'registered', '${prefix}' || id, phone, now(), now()
    from leads where campaign_id = ${campaignId}`);
  return sql(database, `select id, provider_call_id, to_number from call_attempts where campaign_id = ${campaignId}`)
    .map(([id, callId, phone]) => ({ attemptId: Number(id), callId, phone }));
}

/** The modules the Python peer imports and the Debian package of each. */
const peerModules = { fastapi: 'python3-fastapi', uvicorn: 'python3-uvicorn', sqlalchemy: 'python3-sqlalchemy',
  psycopg2: 'python3-psycopg2' };
/** Debian's own interpreter: the first python3 on PATH may be another one without those packages. */
const peerPython = '/usr/bin/python3';

/** The version of each peer module under Debian's python3, null for a missing one. */
function peerModuleVersions() {
  const probe = `import importlib, json
found = {}
for name in ${JSON.stringify(Object.keys(peerModules))}:
    try:
        found[name] = str(importlib.import_module(name).__version__).split(' ')[0]
    except ImportError:
        found[name] = None
print(json.dumps(found))`;
  const r = spawnSync(peerPython, ['-c', probe], { encoding: 'utf8' });
  if (r.status !== 0) return Object.fromEntries(Object.keys(peerModules).map((m) => [m, null]));
  return JSON.parse(r.stdout);
}

const args = commandLine();
const arg = args.number;
const flag = args.flag;

async function main() {
  const running = [];
  try {
    const [[fsync]] = sql('postgres', 'show fsync');
    const [[syncCommit]] = sql('postgres', 'show synchronous_commit');
    if (fsync !== 'on' && !flag('allow-fsync-off')) {
      console.error('fsync is off on this PostgreSQL: these would not be durability figures (--allow-fsync-off to run anyway)');
      process.exit(2);
    }
    let peerVersions = null;
    if (!flag('no-peer')) {
      peerVersions = peerModuleVersions();
      const missing = Object.entries(peerVersions).filter(([, v]) => v === null).map(([m]) => peerModules[m]);
      if (missing.length) {
        console.error(`the Python peer needs Debian packages missing from ${peerPython}: ${missing.join(', ')}\n` +
          `install them with: apt-get install -y ${missing.join(' ')}   (or run with --no-peer)`);
        process.exit(2);
      }
    }
    const connections = arg('connections', 64);
    const apiKey = `key_hooks_${randomBytes(6).toString('hex')}`;
    const database = createDatabase('dialer_hooks');
    const sim = await startSim({ apiKey });
    running.push(sim);
    const configArgs = args.text('config') ? ['--config', args.text('config')] : [];
    const dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
      jwtSecret: randomBytes(24).toString('hex'), env: { DIALER_LOG_LEVEL: 'warn' }, args: configArgs });
    running.push(dialerd);
    const api = await registerTenant(dialerd.url, 'Hooks Co');
    const agent = await api.must(201, 'POST', '/api/v1/agents', { name: 'a', retell_agent_id: 'agent_bench' });
    await api.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550100', provider: 'retell', country: 'US' });
    const campaign = await api.must(201, 'POST', '/api/v1/campaigns', { name: 'hooks', agent_id: agent.id,
      from_number: '+14155550100', max_concurrent_calls: 1 });
    const warmupCalls = arg('warmup-calls', 3000);
    const journalled = journalAttempts(database, api.tenantId, campaign.id, warmupCalls + arg('calls', 15000),
      'call_bench_');
    const hooksUrl = `${dialerd.url}/api/v1/webhooks/retell`;
    // Warm-up, not measured: a database that has taken calls before, and statistics that say so.
    // On a fresh database the first cached plans are made for empty tables (a sequential scan
    // of calls per group) and stay until autovacuum's first ANALYZE, a minute or so in.
    if (warmupCalls > 0) {
      load({ url: hooksUrl, key: apiKey, calls: journalled.slice(0, warmupCalls), tenantId: api.tenantId,
        connections });
      await waitFor(() => sql(database, 'select count(*) from webhook_pending')[0][0] === '0',
        600000, 'every warm-up webhook to be applied', 200);
      sql(database, 'analyze');
    }
    const calls = journalled.slice(warmupCalls);
    const storedBefore = Number(sql(database, 'select count(*) from webhook_events')[0][0]);

    const engine = load({ url: hooksUrl, key: apiKey, calls, tenantId: api.tenantId, connections });
    const stored = Number(sql(database, 'select count(*) from webhook_events')[0][0]) - storedBefore;
    const drainStart = Date.now();
    await waitFor(() => sql(database, 'select count(*) from webhook_pending')[0][0] === '0',
      600000, 'every stored webhook to be applied', 200);
    engine.stored = stored;
    engine.warmup_calls = warmupCalls;
    engine.applied_after_last_answer_seconds = (Date.now() - drainStart) / 1000;
    await dialerd.stop();
    await sim.stop();
    running.length = 0;

    let peer = null;
    if (!flag('no-peer')) {
      const peerDb = createDatabase('peer_hooks');
      const workers = arg('peer-workers', 2);
      const port = 20000 + Math.floor(Math.random() * 20000);
      // Its own process group, so that uvicorn's workers stop with it.
      const peerProc = spawn(peerPython, ['-m', 'uvicorn', 'webhook_peer:app',
        '--app-dir', path.join(repoRoot, 'loadtest', 'peer'), '--host', '127.0.0.1', '--port', String(port),
        '--workers', String(workers), '--log-level', 'warning', '--no-access-log'],
      { env: { ...process.env, RETELL_API_KEY: apiKey, PEER_DATABASE_URL: `postgresql+psycopg2:///${peerDb}` }, stdio: 'inherit', detached: true });
      running.push({ stop: async () => { try { process.kill(-peerProc.pid, 'SIGTERM'); } catch { /* gone */ } } });
      const peerUrl = `http://127.0.0.1:${port}/webhooks/retell`;
      await waitFor(async () => (await fetch(peerUrl, { method: 'POST', body: '{}' })).status === 401, 30000, 'the peer to listen', 200);
      const peerCalls = calls.slice(0, arg('peer-calls', 1500));
      peer = load({ url: peerUrl, key: apiKey, calls: peerCalls, tenantId: api.tenantId, connections });
      const [[peerStored]] = sql(peerDb, 'select count(*) from peer_webhook_events');
      peer.stored = Number(peerStored);
      peer.workers = workers;
      peer.packages = peerVersions;
      await running.pop().stop();
    }

    console.log(JSON.stringify({
      machine: machine(),
      postgres: { fsync, synchronous_commit: syncCommit },
      generator: { program: 'loadtest/webhook_load (C++, Beast)', connections },
      dialerd: engine,
      python_peer: peer,
      ratio_events_per_second: peer ? +(engine.events_per_second / peer.events_per_second).toFixed(1) : null,
    }, null, 2));
    const bad = engine.statuses['204'] !== engine.events || engine.stored !== engine.events ||
      (peer && (peer.statuses['204'] !== peer.events || peer.stored !== peer.events));
    if (bad) {
      console.error('not every event was answered 204 and stored');
      process.exit(1);
    }
  } catch (e) {
    for (const p of running.reverse()) await p.stop();
    throw e;
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
