// Starts and drives the real processes (PostgreSQL database, retell_sim, dialerd) for the
// demo and the end-to-end tests. Plain Node 20: fetch, child_process, no dependencies.

import { spawn, execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

/** Binaries of the build tree (override with DIALERD_BIN / SIM_BIN / WEBHOOK_LOAD_BIN). */
export function binaries() {
  const build = process.env.BUILD_DIR || path.join(repoRoot, 'build');
  return {
    dialerd: process.env.DIALERD_BIN || path.join(build, 'src', 'app', 'dialerd'),
    sim: process.env.SIM_BIN || path.join(build, 'loadtest', 'retell_sim'),
    webhookLoad: process.env.WEBHOOK_LOAD_BIN || path.join(build, 'loadtest', 'webhook_load'),
  };
}

/** Resolves when `predicate` returns a truthy value; rejects after `timeoutMs`. */
export async function waitFor(predicate, timeoutMs, what = 'condition', everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Spawns a process and waits until a line of its stdout matches `ready`. */
export function startProcess(name, cmd, args, { env = {}, ready, timeoutMs = 20000, quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let isReady = false;
    let logTail = [];
    const remember = (chunk) => {
      logTail.push(chunk.toString());
      if (logTail.length > 200) logTail = logTail.slice(-100);
      if (!quiet) process.stderr.write(`[${name}] ${chunk}`);
    };
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not become ready in ${timeoutMs} ms:\n${logTail.join('')}`));
    }, timeoutMs);
    proc.stdout.on('data', (chunk) => {
      remember(chunk);
      // Only until the ready line: scanning all later output again with each chunk cost the
      // harness more CPU than the engine it measured.
      if (isReady) return;
      buffered += chunk.toString();
      const m = buffered.match(ready);
      if (m && timer) {
        isReady = true;
        clearTimeout(timer);
        resolve({
          proc,
          match: m,
          logs: () => logTail.join(''),
          stop: () => stopProcess(proc),
          kill9: () => stopProcess(proc, 'SIGKILL'),
        });
        buffered = '';
      }
    });
    proc.stderr.on('data', remember);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (code ${code}, signal ${signal}):\n${logTail.join('')}`));
    });
  });
}

/** Sends `signal` and waits for the process to exit (SIGKILL after 10 s). */
export function stopProcess(proc, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const force = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.kill(signal);
  });
}

/** Creates a fresh database in the PostgreSQL the PG* variables point at; returns its name. */
export function createDatabase(prefix = 'dialer') {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  execFileSync('createdb', [name], { stdio: 'inherit' });
  return name;
}

/** Runs one SQL query in `database` with psql and returns the rows as arrays of strings. */
export function sql(database, query) {
  const out = execFileSync('psql', ['-d', database, '-tA', '-F', '\t', '-c', query],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** Like sql(), without blocking the event loop: for polling while something else measures. */
export function sqlAsync(database, query) {
  return new Promise((resolve, reject) => {
    execFile('psql', ['-d', database, '-tA', '-F', '\t', '-c', query], { encoding: 'utf8' }, (err, out) => {
      if (err) return reject(err);
      resolve(out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t')));
    });
  });
}

/** Starts the Retell simulator; returns its URL and helpers for /sim/record and /sim/config. */
export async function startSim({ apiKey, timeScale = 120, concurrencyLimit = 20, mix, extra = [], quiet = true } = {}) {
  const args = ['--listen', '127.0.0.1:0', '--api-key', apiKey, '--time-scale', String(timeScale),
    '--concurrency-limit', String(concurrencyLimit), ...extra];
  if (mix) args.push('--mix', mix);
  const p = await startProcess('retell_sim', binaries().sim, args, { ready: /LISTENING (\d+)/, quiet });
  const url = `http://127.0.0.1:${p.match[1]}`;
  return {
    ...p,
    url,
    record: async () => (await fetch(`${url}/sim/record`)).json(),
    configure: async (settings) => {
      const r = await fetch(`${url}/sim/config`, { method: 'POST', body: JSON.stringify(settings),
        headers: { 'content-type': 'application/json' } });
      if (r.status !== 204) throw new Error(`sim config refused: ${r.status} ${await r.text()}`);
    },
  };
}

/** Starts dialerd on a free port against `database`; returns its base URL. */
export async function startDialerd({ database, retellBaseUrl, apiKey, jwtSecret, env = {}, args = [], quiet = true }) {
  const p = await startProcess('dialerd', binaries().dialerd, args, {
    env: {
      DATABASE_URL: `dbname=${database}`,
      RETELL_BASE_URL: retellBaseUrl,
      RETELL_API_KEY: apiKey,
      JWT_SECRET: jwtSecret,
      DIALER_LISTEN: '127.0.0.1:0',
      ...env,
    },
    ready: /dialerd listening on (http:\/\/[\d.]+:\d+)/,
    quiet,
  });
  return { ...p, url: p.match[1] };
}

/** A small JSON client of the dialer API. */
export class Api {
  constructor(base, token = null) {
    this.base = base;
    this.token = token;
  }

  /** Sends a request; `body` objects are JSON-encoded, strings sent as they are. */
  async call(method, path, body, { token = this.token, headers = {}, noRetry = false } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] = h['content-type'] || 'application/json';
    }
    let res = await fetch(`${this.base}${path}`, { method, headers: h, body: payload });
    // A well-behaved client: back off on 429 as Retry-After says (bulk set-ups hit the tenant
    // rate limit on purpose), unless the caller wants to see the 429 itself.
    for (let tries = 0; res.status === 429 && !noRetry && tries < 50; tries++) {
      const wait = Number(res.headers.get('retry-after') || '0.2') * 1000;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Math.max(wait, 50)));
      res = await fetch(`${this.base}${path}`, { method, headers: h, body: payload });
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** Like call(), but throws unless the status is `expected`. */
  async must(expected, method, path, body, opts) {
    const r = await this.call(method, path, body, opts);
    if (r.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${r.status} ${r.text}`);
    return r.json;
  }
}

/** Registers a tenant and returns an Api authenticated as its admin. */
export async function registerTenant(base, company) {
  const api = new Api(base);
  const email = `${company.toLowerCase().replace(/[^a-z0-9]/g, '')}-${randomBytes(3).toString('hex')}@example.com`;
  const r = await api.must(201, 'POST', '/api/v1/auth/register',
    { email, password: 'correct horse battery', name: `${company} admin`, company });
  api.token = r.token;
  api.tenantId = r.tenant_id;
  api.email = email;
  return api;
}

/**
 * An IANA zone ("Etc/GMT-5" style) whose local time is now about `hour`:00, so that a lead in it
 * is inside (or outside) its calling window whatever the hour and day the test runs at. Note
 * the POSIX sign: Etc/GMT-5 is five hours ahead of UTC.
 */
export function zoneAtLocalHour(hour, now = new Date()) {
  let offset = hour - now.getUTCHours();
  while (offset > 14) offset -= 24;
  while (offset < -12) offset += 24;
  if (offset === 0) return 'Etc/UTC';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/**
 * Fields that make a US lead callable now: consent granted (the US rule is opt-in for AI
 * voices) and an explicit zone where it is early afternoon (the US window is 08:00-21:00).
 */
export function callableNow(now = new Date()) {
  return { consent_status: 'granted', timezone: zoneAtLocalHour(13, now) };
}

/**
 * Calls per second of the caller numbers the harness registers: the engine paces creates per
 * number at its registered rate, and the simulator has no carrier limit, so the tests' numbers
 * are registered fast enough never to be the bottleneck (a test of the pacing itself passes
 * its own `callsPerSecond`).
 */
export const fastNumberCallsPerSecond = 1000;

/**
 * Creates an agent, a caller number (at `callsPerSecond`), `leadCount` leads and a draft
 * campaign with `cap`.
 */
export async function setupCampaign(api, { leadCount, cap, fromNumber = '+14155550100', name = 'Demo campaign', campaign = {},
  callsPerSecond = fastNumberCallsPerSecond }) {
  const agent = await api.must(201, 'POST', '/api/v1/agents', { name: 'Demo agent', retell_agent_id: 'agent_demo' });
  await api.must(201, 'POST', '/api/v1/numbers',
    { e164: fromNumber, provider: 'retell', country: 'US', calls_per_second: callsPerSecond });
  const created = await api.must(201, 'POST', '/api/v1/campaigns', {
    name, agent_id: agent.id, from_number: fromNumber, max_concurrent_calls: cap, ...campaign,
  });
  const leads = [];
  for (let i = 0; i < leadCount; i++) {
    leads.push({ name: `Lead ${i}`, phone: `+1212555${String(1000 + i).padStart(4, '0')}`, campaign_id: created.id, ...callableNow() });
  }
  for (let i = 0; i < leads.length; i += 1000) {
    await api.must(201, 'POST', '/api/v1/leads', leads.slice(i, i + 1000));
  }
  return { agent, campaign: created };
}

/** Polls the campaign until it is completed (or `timeoutMs` passes); returns its stats. */
export async function waitForCompletion(api, campaignId, timeoutMs, onTick) {
  return waitFor(async () => {
    const c = await api.must(200, 'GET', `/api/v1/campaigns/${campaignId}`);
    const stats = await api.must(200, 'GET', `/api/v1/campaigns/${campaignId}/stats`);
    if (onTick) onTick(c, stats);
    return c.status === 'completed' ? stats : null;
  }, timeoutMs, `campaign ${campaignId} to complete`, 250);
}
