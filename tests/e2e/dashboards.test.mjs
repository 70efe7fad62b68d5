// The Grafana dashboards against a real Prometheus: a short campaign runs through dialerd and
// the simulator (with provider 429s, duplicate webhooks and rejected webhooks on purpose) while
// Debian's `prometheus` scrapes dialerd every second; then every panel query of every dashboard
// must run without error and return data, and `promtool check metrics` must accept /metrics.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sign } from 'retell-sdk/lib/webhook_auth.js';
import {
  callableNow, createDatabase, registerTenant, repoRoot, setupCampaign, startDialerd, startSim, stopProcess,
  waitFor, waitForCompletion,
} from '../../loadtest/driver/harness.mjs';

const dashboardsDir = path.join(repoRoot, 'dashboards');
const apiKey = `key_dash_${randomBytes(6).toString('hex')}`;
const cap = 6;
const leadCount = 48;
let workDir;
let dialerd;
let sim;
let prometheus;
let promUrl;
let api;

/** A TCP port free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function hasProgram(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs one PromQL query at the current time; returns Prometheus' parsed answer. */
async function promQuery(expr) {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }));
  return body;
}

function resultIsEmpty(data) {
  if (!data) return true;
  if (data.resultType === 'scalar' || data.resultType === 'string') return false;
  return !Array.isArray(data.result) || data.result.length === 0;
}

/** Every panel (rows' nested panels included) of a dashboard. */
function panelsOf(dashboard) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels || []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Grafana's variables in an expression replaced by values that select everything. */
function substitute(expr) {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1m')
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_, name) => (name.startsWith('__') ? '1m' : '.*'))
    .replace(/\$(\w+)/g, '.*');
}

function loadDashboards() {
  return readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) }));
}

before(async () => {
  for (const program of ['prometheus', 'promtool'])
    assert.ok(hasProgram(program), `${program} is missing: run scripts/install-deps.sh (Debian package prometheus)`);
  workDir = mkdtempSync(path.join(tmpdir(), 'dialer-dash-'));
  const database = createDatabase('dialer_dash');
  sim = await startSim({ apiKey, timeScale: 600, concurrencyLimit: cap * 3,
    mix: 'answered=40,no_answer=20,busy=15,voicemail=15,failed=10',
    extra: ['--duplicate-webhook-ratio', '0.2'] });
  const config = path.join(workDir, 'dialerd.toml');
  writeFileSync(config, '[retell]\nconcurrency_limit = 30\n');
  dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex'), args: ['--config', config] });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const target = new URL(dialerd.url).host;
  const promConfig = path.join(workDir, 'prometheus.yml');
  writeFileSync(promConfig, [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: dialerd',
    '    scrape_interval: 1s',
    '    scrape_timeout: 900ms',
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n'));
  let promLog = '';
  prometheus = spawn('prometheus', [
    `--config.file=${promConfig}`,
    `--storage.tsdb.path=${path.join(workDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout.on('data', (c) => { promLog += c; });
  prometheus.stderr.on('data', (c) => { promLog += c; });
  await waitFor(async () => prometheus.exitCode === null && (await fetch(`${promUrl}/-/ready`)).ok,
    30000, `prometheus to be ready (log: ${promLog.slice(-2000)})`, 200);
  await waitFor(async () => {
    const up = await promQuery('up{job="dialerd"} == 1');
    return up.status === 'success' && !resultIsEmpty(up.data);
  }, 30000, 'the first successful scrape of dialerd', 250);
});

after(async () => {
  if (prometheus) await stopProcess(prometheus);
  await dialerd?.stop();
  await sim?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('a campaign with provider refusals and rejected webhooks leaves data for every dashboard panel', async () => {
  api = await registerTenant(dialerd.url, 'Dash Co');
  const { campaign } = await setupCampaign(api, { leadCount, cap,
    campaign: { budget_cents: 1000000, est_cost_per_call_cents: 25 } });
  // One lead the US rule blocks (opt-in without consent), so the dispatch-block panels have data.
  await api.must(201, 'POST', '/api/v1/leads', [{ name: 'No consent', phone: '+13125550299',
    campaign_id: campaign.id, consent_status: 'denied', timezone: callableNow().timezone }]);
  await sim.configure({ fail_429_ratio: 0.2 });
  const started = await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  assert.equal(started.status, 'running');

  // Rejected webhooks: a bad signature and a signed but malformed body.
  const hook = `${dialerd.url}/api/v1/webhooks/retell`;
  const body = JSON.stringify({ event: 'call_ended', call: { call_id: 'call_nope' } });
  const bad = await fetch(hook, { method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-retell-signature': 'v=1,d=00' } });
  assert.equal(bad.status, 401);
  const malformed = '{"event": 5}';
  const rejected = await fetch(hook, { method: 'POST', body: malformed,
    headers: { 'content-type': 'application/json', 'x-retell-signature': await sign(malformed, apiKey) } });
  assert.equal(rejected.status, 400);

  // Refusals for a while, then a healthy provider so that the campaign completes.
  await waitFor(async () => (await sim.record()).creates.some((c) => !c.accepted), 20000, 'a refused create');
  await sim.configure({ fail_429_ratio: 0 });
  await waitForCompletion(api, campaign.id, 180000);

  // A few scrapes after the end, so that rates over the last minute see the whole run.
  const done = Date.now() / 1000;
  await waitFor(async () => {
    const r = await promQuery('timestamp(up{job="dialerd"})');
    return r.status === 'success' && !resultIsEmpty(r.data) && Number(r.data.result[0].value[1]) > done + 2;
  }, 30000, 'scrapes after the campaign ended', 250);
});

test('every panel query of every dashboard runs and returns data', async () => {
  const dashboards = loadDashboards();
  assert.ok(dashboards.length >= 4, `expected the four dashboards, found ${dashboards.map((d) => d.file)}`);
  const problems = [];
  let checked = 0;
  for (const { file, json } of dashboards) {
    assert.ok(json.uid && json.title, `${file}: uid and title`);
    const ids = new Set();
    for (const panel of panelsOf(json)) {
      assert.ok(!ids.has(panel.id), `${file}: panel id ${panel.id} is used twice`);
      ids.add(panel.id);
      if (panel.type === 'row') continue;
      assert.ok(panel.targets?.length, `${file}: panel "${panel.title}" has no query`);
      for (const target of panel.targets) {
        assert.ok(target.expr, `${file}: panel "${panel.title}" target ${target.refId} has no expr`);
        const expr = substitute(target.expr);
        const answer = await promQuery(expr);
        checked++;
        const where = `${file} / "${panel.title}" / ${target.refId}: ${expr}`;
        if (answer.status !== 'success') {
          problems.push(`${where}\n    error: ${answer.errorType || ''} ${answer.error}`);
          continue;
        }
        if (resultIsEmpty(answer.data)) problems.push(`${where}\n    empty result`);
      }
    }
    for (const v of json.templating?.list || []) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(q);
      assert.ok(m, `${file}: variable ${v.name}: only label_values(metric, label) is checked, got ${q}`);
      const answer = await promQuery(`count by (${m[2]}) (${m[1]})`);
      if (answer.status !== 'success' || resultIsEmpty(answer.data))
        problems.push(`${file} / variable ${v.name}: ${q} has no values`);
    }
  }
  assert.ok(checked >= 30, `only ${checked} queries found`);
  assert.deepEqual(problems, [], `${problems.length} of ${checked} dashboard queries failed:\n${problems.join('\n')}`);
});

test('promtool accepts the /metrics exposition', async () => {
  const res = await fetch(`${dialerd.url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const name of ['dialer_dials_total', 'dialer_active_calls', 'dialer_provider_request_seconds_bucket',
    'dialer_provider_errors_total', 'dialer_account_lines_in_use', 'dialer_storage_job_seconds_bucket',
    'process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds',
    'process_start_time_seconds'])
    assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} is exposed`);
  let output = '';
  let code = 0;
  try {
    output = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    code = e.status;
    output = `${e.stdout || ''}${e.stderr || ''}`;
  }
  assert.equal(code, 0, `promtool check metrics failed:\n${output}`);
  assert.equal(output.trim(), '', `promtool check metrics reported:\n${output}`);
});
