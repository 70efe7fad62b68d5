// Cross-checks the retell_sim provider simulator against the official retell-sdk (npm):
// every webhook it sends must verify with the SDK's Retell.verify, byte for byte, and its API
// must behave as RETELL.md says (create, get/list, concurrency limit modes, /sim/record).
//
// Needs SIM_BIN (path of the retell_sim binary) and node_modules (npm ci in this folder).
import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createInterface } from 'node:readline';
import Retell, { verify } from 'retell-sdk';
import { symmetric } from 'retell-sdk/lib/webhook_auth';

const SIM_BIN = process.env.SIM_BIN;
const API_KEY = `key_e2e_${randomBytes(8).toString('hex')}`;
const LIMIT = 3;
const FROM = '+14155550100';
const SIGNATURE_FORMAT = /^v=(\d+),d=([0-9a-f]{64})$/;

// Simulated calls last 0.25x..1.75x of 1200 s; at 600x that is 0.5 s..3.5 s of real time, long
// enough for all creates of the limit test to happen while the first calls are still live.
const SIM_ARGS = [
  '--listen', '127.0.0.1:0',
  '--api-key', API_KEY,
  '--time-scale', '600',
  '--mix', 'answered=1',
  '--mean-call-seconds', '1200',
  '--ring-seconds', '5',
  '--analysis-seconds', '30',
  '--transcript-updated',
  '--concurrency-limit', String(LIMIT),
  '--concurrency-mode', 'error',
  '--seed', '7',
];

let sink; // { server, url, received: [{ body, signature, contentType }] }
let sim; // { proc, base, stderr, exit: Promise<{ code, signal }> }
let client; // the official SDK client pointed at the simulator
const sent = []; // { call_id, metadata } of the accepted creates, in order

function startWebhookSink() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-retell-signature'],
        contentType: req.headers['content-type'],
      });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ server, url: `http://127.0.0.1:${port}/webhooks/retell`, received });
    });
  });
}

function startSim(args) {
  const proc = spawn(SIM_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: proc.stdout });
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('retell_sim did not print LISTENING')), 10000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^LISTENING (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected first line from retell_sim: ${line}`));
    });
    exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`retell_sim exited early (code ${code}): ${stderr}`));
    });
  });
  return listening.then((port) => ({
    proc,
    base: `http://127.0.0.1:${port}`,
    exit,
    get stderr() {
      return stderr;
    },
  }));
}

async function api(method, path, body, { auth = true } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${API_KEY}`;
  const res = await fetch(sim.base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

async function waitFor(predicate, what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function eventsOf(callId) {
  return sink.received
    .map((r) => JSON.parse(r.body))
    .filter((e) => e.call.call_id === callId);
}

before(async () => {
  assert.ok(SIM_BIN, 'SIM_BIN must name the retell_sim binary');
  sink = await startWebhookSink();
  sim = await startSim([...SIM_ARGS, '--webhook-url', sink.url]);
  client = new Retell({ apiKey: API_KEY, baseURL: sim.base, maxRetries: 0 });
});

after(async () => {
  if (sim && sim.proc.exitCode === null) {
    sim.proc.kill('SIGTERM');
    await sim.exit;
  }
  if (sink) sink.server.close();
});

test('creates within the limit are placed and echo their metadata', async () => {
  for (let i = 1; i <= LIMIT; i++) {
    const metadata = { attempt_id: `e2e-${i}`, lead: { id: i, tags: ['x', 'ü'] }, n: i * 1.5 };
    const to_number = `+1415555020${i}`;
    let call;
    if (i === 1) {
      // One create through the SDK's own client, proving it can talk to the simulator.
      call = await client.call.createPhoneCall({ from_number: FROM, to_number, metadata });
    } else {
      const res = await api('POST', '/v2/create-phone-call', { from_number: FROM, to_number, metadata });
      assert.equal(res.status, 201);
      call = res.json;
    }
    assert.match(call.call_id, /^call_[0-9a-f]{27}$/);
    assert.equal(call.call_status, 'registered');
    assert.equal(call.direction, 'outbound');
    assert.equal(call.from_number, FROM);
    assert.equal(call.to_number, to_number);
    assert.deepEqual(call.metadata, metadata);
    assert.equal(call.call_cost.combined_cost, 0);
    sent.push({ call_id: call.call_id, metadata, to_number });
  }
  const conc = await client.concurrency.retrieve();
  assert.equal(conc.concurrency_limit, LIMIT);
  assert.equal(conc.current_concurrency, LIMIT);
});

test('a create over the limit follows the concurrency mode', async () => {
  // Mode "error": accepted with 201, then the call ends in error at once.
  const over = { attempt_id: 'e2e-over', n: 4 };
  const res = await api('POST', '/v2/create-phone-call', {
    from_number: FROM,
    to_number: '+14155550299',
    metadata: over,
  });
  assert.equal(res.status, 201);
  sent.push({ call_id: res.json.call_id, metadata: over, over: true });

  // Mode "429": refused with Retry-After, no call placed.
  assert.equal((await api('POST', '/sim/config', { concurrency_mode: '429' })).status, 204);
  const refusedMeta = { attempt_id: 'e2e-refused' };
  const refused = await api('POST', '/v2/create-phone-call', {
    from_number: FROM,
    to_number: '+14155550298',
    metadata: refusedMeta,
  });
  assert.equal(refused.status, 429);
  assert.equal(refused.json.status, 'error');
  assert.ok(Number(refused.headers.get('retry-after')) >= 0, 'Retry-After header');

  const record = (await api('GET', '/sim/record')).json;
  assert.equal(record.creates.length, LIMIT + 2);
  sent.forEach((s, i) => {
    const c = record.creates[i];
    assert.equal(c.call_id, s.call_id);
    assert.equal(c.accepted, true);
    assert.equal(c.status, 201);
    assert.equal(c.from_number, FROM);
    assert.deepEqual(c.metadata, s.metadata);
    assert.equal(typeof c.received_at_ms, 'number');
  });
  assert.equal(record.creates[LIMIT].reason, 'concurrency_limit_reached');
  const last = record.creates[LIMIT + 1];
  assert.equal(last.accepted, false);
  assert.equal(last.status, 429);
  assert.equal(last.call_id, null);
  assert.deepEqual(last.metadata, refusedMeta);
  assert.ok(record.peak_concurrency <= LIMIT, `peak ${record.peak_concurrency} > ${LIMIT}`);
});

test('every webhook verifies with the official SDK, and tampering is caught', async () => {
  const expected = LIMIT * 4 + 2; // started, transcript_updated, ended, analyzed; error: 2
  await waitFor(() => sink.received.length >= expected, `${expected} webhooks`);
  await new Promise((r) => setTimeout(r, 100)); // nothing extra should follow
  assert.equal(sink.received.length, expected);

  for (const { body, signature, contentType } of sink.received) {
    assert.match(contentType, /^application\/json/);
    const m = SIGNATURE_FORMAT.exec(signature);
    assert.ok(m, `signature format: ${signature}`);
    assert.ok(Math.abs(Date.now() - Number(m[1])) < 60000, 'signature timestamp is now');
    assert.equal(await Retell.verify(body, API_KEY, signature), true, `verify: ${body}`);
    assert.equal(await verify(body, API_KEY, signature), true);
    // Same bytes, same key, same timestamp: the SDK's signer gives the identical header.
    assert.equal(await symmetric.sign(body, API_KEY, Number(m[1])), signature);

    const tampered = body.replace('"call_id":"call_', '"call_id":"calL_');
    assert.notEqual(tampered, body);
    assert.equal(await Retell.verify(tampered, API_KEY, signature), false, 'tampered body');
    assert.equal(await Retell.verify(body + ' ', API_KEY, signature), false, 'extra byte');
    assert.equal(await Retell.verify(body, `${API_KEY}x`, signature), false, 'wrong key');
  }
});

test('events follow each call lifecycle and carry the metadata', async () => {
  for (const s of sent) {
    const events = eventsOf(s.call_id);
    const names = events.map((e) => e.event);
    for (const e of events) assert.deepEqual(e.call.metadata, s.metadata);
    if (s.over) {
      assert.deepEqual(names, ['call_ended', 'call_analyzed']);
      assert.equal(events[0].call.call_status, 'error');
      assert.equal(events[0].call.disconnection_reason, 'concurrency_limit_reached');
      continue;
    }
    assert.deepEqual(names, ['call_started', 'transcript_updated', 'call_ended', 'call_analyzed']);
    const [started, , ended, analyzed] = events.map((e) => e.call);
    assert.equal(started.call_status, 'ongoing');
    assert.equal(typeof started.start_timestamp, 'number');
    assert.equal(ended.call_status, 'ended');
    assert.ok(['user_hangup', 'agent_hangup'].includes(ended.disconnection_reason));
    assert.equal(ended.end_timestamp - ended.start_timestamp, ended.duration_ms);
    assert.ok(ended.duration_ms >= 300000 && ended.duration_ms <= 2100000, 'duration');
    assert.match(ended.transcript, /^Agent: .*\nUser: /);
    assert.ok(ended.transcript_object.length > 0);
    assert.ok(ended.recording_url);
    assert.ok(ended.call_cost.combined_cost > 0);
    assert.equal(ended.call_analysis, undefined);
    assert.equal(typeof analyzed.call_analysis.call_successful, 'boolean');
    assert.equal(analyzed.call_analysis.in_voicemail, false);

    const got = await client.call.retrieve(s.call_id);
    assert.equal(got.call_status, 'ended');
    assert.deepEqual(got.metadata, s.metadata);
    assert.ok(got.call_analysis);
  }
  const record = (await api('GET', '/sim/record')).json;
  assert.equal(record.current_concurrency, 0);
  assert.equal(record.peak_concurrency, LIMIT);
  assert.equal(record.calls_ended, LIMIT + 1);
  assert.equal(record.webhooks_sent, LIMIT * 4 + 2);
  assert.equal(record.webhooks_failed, 0);
});

test('list-calls finds a call by its metadata (v2 array and the SDK v3 page)', async () => {
  const target = sent[1];
  const v2 = await api('POST', '/v2/list-calls', {
    filter_criteria: { metadata: { attempt_id: target.metadata.attempt_id } },
    limit: 10,
  });
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.json.map((c) => c.call_id), [target.call_id]);

  const page = await client.call.list({
    filter_criteria: {
      metadata: [{ key: 'attempt_id', op: 'eq', type: 'string', value: target.metadata.attempt_id }],
    },
  });
  assert.deepEqual(page.items.map((c) => c.call_id), [target.call_id]);
  assert.equal(page.has_more, false);
});

test('the API refuses a missing or wrong key and bad numbers', async () => {
  const body = { from_number: FROM, to_number: '+14155550201' };
  const none = await api('POST', '/v2/create-phone-call', body, { auth: false });
  assert.equal(none.status, 401);
  assert.equal(none.json.status, 'error');
  const bad = await api('POST', '/v2/create-phone-call', { from_number: FROM, to_number: '555' });
  assert.equal(bad.status, 400);
  assert.equal((await api('GET', '/v2/get-call/call_nope')).status, 422);
});

test('SIGTERM stops the simulator cleanly', async () => {
  sim.proc.kill('SIGTERM');
  const { code, signal } = await sim.exit;
  assert.equal(signal, null, sim.stderr);
  assert.equal(code, 0, sim.stderr);
});
