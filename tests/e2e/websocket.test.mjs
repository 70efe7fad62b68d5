// End to end: live events over WebSocket (GET /ws) with the real `ws` client against dialerd,
// retell_sim and a real PostgreSQL (PG* variables). Checks event order per call, the campaign
// filter, tenant isolation, the 1013 drop of a client that stops reading (with the server's
// memory staying flat), 401 without upgrade, and 1001 when the server stops.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  Api, createDatabase, registerTenant, setupCampaign, startDialerd, startSim, waitFor,
  waitForCompletion,
} from '../../loadtest/driver/harness.mjs';

const apiKey = `key_ws_${randomBytes(6).toString('hex')}`;
const queueEvents = 256;
let database;
let sim;
let dialerd;
let configDir;
let tenantA;
let tenantB;

before(async () => {
  database = createDatabase('dialer_ws');
  sim = await startSim({ apiKey, timeScale: 600, concurrencyLimit: 200,
    mix: 'answered=50,no_answer=15,busy=10,voicemail=15,failed=10', extra: ['--transcript-updated'] });
  // A small per-client queue so that the slow-client test needs no huge flood; still above the
  // bursts a healthy client sees when a group commit of webhooks reaches the engine at once.
  configDir = mkdtempSync(path.join(tmpdir(), 'dialer-ws-'));
  const config = path.join(configDir, 'dialerd.toml');
  writeFileSync(config, `[http]\nwebsocket_queue_events = ${queueEvents}\ntenant_requests_per_second = 0\n`);
  dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex'), args: ['--config', config] });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  tenantA = await registerTenant(dialerd.url, 'Socket A Co');
  tenantB = await registerTenant(dialerd.url, 'Socket B Co');
});

after(async () => {
  await dialerd?.stop();
  await sim?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

const wsUrl = () => dialerd.url.replace(/^http/, 'ws') + '/ws';

/** Opens a socket authenticated by header; resolves once open, recording every message. */
function connect(token, { query = false } = {}) {
  return new Promise((resolve, reject) => {
    const url = query ? `${wsUrl()}?token=${encodeURIComponent(token)}` : wsUrl();
    const ws = new WebSocket(url, query ? {} : { headers: { authorization: `Bearer ${token}` } });
    const client = { ws, events: [], closed: null };
    ws.on('message', (data) => client.events.push({ at: Date.now(), ...JSON.parse(data.toString()) }));
    ws.on('close', (code, reason) => { client.closed = { code, reason: reason.toString() }; });
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends a subscribe message and waits for the server's acknowledgement. */
async function subscribe(client, campaignId) {
  client.ws.send(JSON.stringify({ subscribe: { campaign_id: campaignId } }));
  await waitFor(() => client.events.some((e) => e.type === 'subscribed'), 5000, 'the subscribe ack');
}

/** The answer to an upgrade that the server refuses: status and body, never an open socket. */
function refusedUpgrade(options, url = wsUrl()) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    ws.once('error', () => {});
  });
}

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

async function metric(name) {
  const text = await (await fetch(`${dialerd.url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/**
 * campaign.stats go out at most once a second per campaign (API.md). Judged by when the client
 * got them, whose delays vary (a flood queues events ahead of them): over the span from the
 * first to the last, no more than one a second, with one second of delivery jitter allowed in
 * all. Gaps between two single events would fail whenever one of them waited in a queue.
 */
function assertPacedStats(stats, label) {
  const span = stats.at(-1).at - stats[0].at;
  const allowed = Math.floor((span + 1000) / 1000) + 1;
  assert.ok(stats.length <= allowed, `${label}: ${stats.length} campaign.stats in ${span} ms (at most ${allowed})`);
}

test('a bad credential gets 401 and no upgrade', async () => {
  for (const [options, url, why] of [
    [{ headers: { authorization: 'Bearer not.a.token' } }, wsUrl(), 'bad JWT in the header'],
    [{ headers: { authorization: 'Bearer dk_0000000000000000' } }, wsUrl(), 'unknown API key'],
    [{}, `${wsUrl()}?token=garbage`, 'bad ?token='],
    [{}, wsUrl(), 'no credential'],
  ]) {
    const r = await refusedUpgrade(options, url);
    assert.equal(r.status, 401, why);
    assert.equal(JSON.parse(r.body).error.code, 'UNAUTHENTICATED', why);
    assert.equal(r.headers.upgrade, undefined, why);
  }
  // A plain GET (no upgrade) with a good token is told to upgrade.
  const plain = await tenantA.call('GET', '/ws');
  assert.equal(plain.status, 426);
  // ?token= works like the header.
  const viaQuery = await connect(tenantA.token, { query: true });
  viaQuery.ws.close();
});

test('events arrive in order per call, the campaign filter holds, and tenants are walled off', async () => {
  const x = await setupCampaign(tenantA, { leadCount: 40, cap: 10, name: 'X', fromNumber: '+14155550101' });
  const y = await setupCampaign(tenantA, { leadCount: 40, cap: 10, name: 'Y', fromNumber: '+14155550102' });
  const xId = x.campaign.id;
  const yId = y.campaign.id;

  const all = await connect(tenantA.token);
  const onlyX = await connect(tenantA.token);
  await subscribe(onlyX, xId);
  const other = await connect(tenantB.token);
  // Tenant B asking for A's campaign gets nothing of it either.
  const sneaky = await connect(tenantB.token, { query: true });
  await subscribe(sneaky, yId);
  const ackIndex = onlyX.events.findIndex((e) => e.type === 'subscribed');

  await tenantA.must(200, 'POST', `/api/v1/campaigns/${xId}/start`);
  await tenantA.must(200, 'POST', `/api/v1/campaigns/${yId}/start`);
  await waitForCompletion(tenantA, xId, 120000);
  await waitForCompletion(tenantA, yId, 120000);
  const callsOf = (events) => new Set(events.filter((e) => e.type.startsWith('call.')).map((e) => e.data.attempt_id));
  // Every attempt's call.analyzed (a few ms of simulated analysis after the end) has arrived.
  await waitFor(() => all.events.filter((e) => e.type === 'call.analyzed').length >= 80, 20000,
    'call.analyzed of every call');
  await new Promise((r) => setTimeout(r, 1500));  // trailing campaign.stats

  // (a) Per call: started (connected calls only) < ended < analyzed, each at most once.
  const rank = { 'call.started': 0, 'call.ended': 1, 'call.analyzed': 2 };
  const perCall = new Map();
  for (const e of all.events) {
    if (!(e.type in rank)) continue;
    assert.equal(e.tenant_id, tenantA.tenantId);
    assert.ok(e.data.call_id, `${e.type} without call_id`);
    assert.ok(e.data.attempt_id && e.data.lead_id && e.data.campaign_id, JSON.stringify(e));
    const seq = perCall.get(e.data.call_id) || [];
    seq.push(e.type);
    perCall.set(e.data.call_id, seq);
  }
  assert.equal(perCall.size, 80, 'every call of X and Y was seen');
  for (const [callId, seq] of perCall) {
    for (let i = 1; i < seq.length; i++)
      assert.ok(rank[seq[i - 1]] < rank[seq[i]], `call ${callId} out of order: ${seq.join(' ')}`);
    assert.ok(seq.includes('call.ended') && seq.includes('call.analyzed'), `call ${callId}: ${seq.join(' ')}`);
  }
  const ended = all.events.filter((e) => e.type === 'call.ended');
  assert.ok(ended.every((e) => e.data.disposition && e.data.status), 'call.ended carries status and disposition');
  const connected = all.events.filter((e) => e.type === 'call.started').length;
  assert.ok(connected > 0, 'some calls connected');
  const transcripts = all.events.filter((e) => e.type === 'transcript.updated');
  assert.ok(transcripts.length > 0 && transcripts.every((e) => Array.isArray(e.data.turns) && e.data.turns.length > 0));
  for (const e of transcripts) {
    const seq = all.events.filter((o) => o.data.call_id === e.data.call_id).map((o) => o.type);
    assert.ok(seq.indexOf('transcript.updated') < seq.indexOf('call.ended'), `transcript after end: ${seq}`);
  }
  // Campaign status and coalesced stats.
  for (const id of [xId, yId]) {
    const statuses = all.events.filter((e) => e.type === 'campaign.status' && e.data.campaign_id === id)
      .map((e) => e.data.status);
    assert.deepEqual([statuses[0], statuses.at(-1)], ['running', 'completed'], `campaign ${id}: ${statuses}`);
    const stats = all.events.filter((e) => e.type === 'campaign.stats' && e.data.campaign_id === id);
    assert.ok(stats.length > 0, `campaign ${id} has stats`);
    assert.equal(stats.at(-1).data.leads_terminal, 40, 'the last stats are final');
    assertPacedStats(stats, `campaign ${id}`);
  }

  // (b) The client subscribed to X never got anything of Y, and got all of X.
  const afterAck = onlyX.events.slice(ackIndex + 1);
  const leaked = afterAck.filter((e) => e.data.campaign_id !== undefined && e.data.campaign_id !== xId);
  assert.deepEqual(leaked, [], 'events of another campaign reached the X subscriber');
  assert.equal(callsOf(afterAck).size, 40, 'the X subscriber saw every call of X');

  // (c) Tenant B saw none of A's events, even when it asked for A's campaign.
  assert.deepEqual(other.events, [], 'tenant B received tenant A events');
  assert.deepEqual(sneaky.events.filter((e) => e.type !== 'subscribed'), [], 'tenant B got A campaign events');

  for (const c of [all, onlyX, other, sneaky]) c.ws.close();
});

test('a malformed subscribe message closes the socket with 1008', async () => {
  const c = await connect(tenantA.token);
  c.ws.send('{"subscribe": {"campaign_id": "five"}}');
  await waitFor(() => c.closed, 5000, 'the close');
  assert.equal(c.closed.code, 1008);
});

test('a client that stops reading during a flood is dropped with 1013; server memory stays flat', async (t) => {
  const flood = await setupCampaign(tenantA, { leadCount: 1500, cap: 100, name: 'Flood', fromNumber: '+14155550103' });
  const healthy = await connect(tenantA.token);
  const slow = await connect(tenantA.token);
  slow.ws._socket.pause();  // stops reading: the kernel buffers fill, then the server's queue
  await waitFor(async () => (await metric('dialer_websocket_clients')) === 2, 5000, 'two clients');
  const droppedBefore = await metric('dialer_websocket_dropped_total');
  const rssBefore = rssKiB(dialerd.proc.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssKiB(dialerd.proc.pid)); }, 100);
  try {
    await tenantA.must(200, 'POST', `/api/v1/campaigns/${flood.campaign.id}/start`);
    await waitFor(async () => (await metric('dialer_websocket_dropped_total')) > droppedBefore, 90000,
      'the slow client to be dropped');
    slow.ws._socket.resume();  // reads what the kernel held, then the close frame
    await waitFor(() => slow.closed, 15000, 'the close frame');
    assert.equal(slow.closed.code, 1013, `closed with ${JSON.stringify(slow.closed)}`);
    await waitForCompletion(tenantA, flood.campaign.id, 180000);
  } finally {
    clearInterval(sampler);
  }
  const growthMiB = (rssPeak - rssBefore) / 1024;
  t.diagnostic(`dialerd RSS ${rssBefore} -> peak ${rssPeak} KiB; the slow client got ` +
    `${slow.events.length} events before its drop, the healthy one ${healthy.events.length}`);
  assert.ok(growthMiB < 50, `dialerd RSS grew by ${growthMiB.toFixed(1)} MiB during the flood`);
  // The slow client received at most the queue plus what the kernel held; the healthy one
  // kept up with the whole flood and stays connected.
  assert.ok(slow.events.length < healthy.events.length, 'the slow client got less than the healthy one');
  assert.equal(healthy.closed, null, 'the healthy client was not dropped');
  assert.ok(healthy.events.filter((e) => e.type === 'call.ended').length >= 1500);
  // campaign.stats: at most one a second per campaign, even while the flood delays delivery.
  const stats = healthy.events.filter((e) => e.type === 'campaign.stats' && e.data.campaign_id === flood.campaign.id);
  assert.ok(stats.length >= 2, `${stats.length} stats events during the flood`);
  assertPacedStats(stats, 'the flood campaign');
  await waitFor(async () => (await metric('dialer_websocket_clients')) === 1, 5000, 'the gauge to drop');
  healthy.ws.close();
});

test('stopping the server closes WebSocket clients with 1001', async () => {
  const c = await connect(tenantB.token);
  await dialerd.stop();
  await waitFor(() => c.closed, 5000, 'the close');
  assert.equal(c.closed.code, 1001);
});
