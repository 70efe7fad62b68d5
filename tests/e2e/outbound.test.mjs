// End to end: POST /calls/outbound, one call now through the campaign machinery. An allowed
// call is dialled exactly once (the simulator's record), reaches an outcome seen in
// GET /calls?campaign_id= and over the WebSocket, and its one-lead campaign (kind outbound)
// stays out of GET /campaigns. A DNC number and a lead outside its calling window are refused
// with 422 and nothing is created or dialled; bad input gets its error and changes nothing.
// Zones are chosen relative to the current instant, so the test behaves the same at any hour
// of any day.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import {
  Api, callableNow, createDatabase, registerTenant, sql, startDialerd, startSim, waitFor,
  zoneAtLocalHour,
} from '../../loadtest/driver/harness.mjs';

const apiKey = `key_out_${randomBytes(6).toString('hex')}`;
const fromA = '+14155550100';
const fromB = '+14155550111';
let database;
let sim;
let dialerd;
let a;
let b;
let agentA;
let agentB;
let leadB;

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  assert.match(r.json?.error?.request_id ?? '', /^req_/, `${what}: error shape`);
}

/** Rows in the tables an outbound request writes, and the simulator's dials. */
async function footprint() {
  const [[campaigns]] = sql(database, 'select count(*) from campaigns');
  const [[leads]] = sql(database, 'select count(*) from leads');
  const [[attempts]] = sql(database, 'select count(*) from call_attempts');
  const record = await sim.record();
  return { campaigns: Number(campaigns), leads: Number(leads), attempts: Number(attempts),
    dials: record.creates.length };
}

/** Opens a WebSocket of `api`'s tenant that records every message. */
function connect(api) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${dialerd.url.replace(/^http/, 'ws')}/ws`,
      { headers: { authorization: `Bearer ${api.token}` } });
    const client = { ws, events: [] };
    ws.on('message', (data) => client.events.push(JSON.parse(data.toString())));
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

before(async () => {
  database = createDatabase('dialer_outbound');
  sim = await startSim({ apiKey, timeScale: 600, mix: 'answered=100' });
  dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex') });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  a = await registerTenant(dialerd.url, 'Outbound A');
  b = await registerTenant(dialerd.url, 'Outbound B');
  agentA = await a.must(201, 'POST', '/api/v1/agents', { name: 'Closer', retell_agent_id: 'agent_out_a' });
  agentB = await b.must(201, 'POST', '/api/v1/agents', { name: 'Other', retell_agent_id: 'agent_out_b' });
  await a.must(201, 'POST', '/api/v1/numbers', { e164: fromA, provider: 'retell', country: 'US' });
  await b.must(201, 'POST', '/api/v1/numbers', { e164: fromB, provider: 'retell', country: 'US' });
  leadB = await b.must(201, 'POST', '/api/v1/leads', { phone: '+13125550999', ...callableNow() });
});

after(async () => {
  await dialerd?.stop();
  await sim?.stop();
});

test('an allowed call is dialled exactly once and reaches its outcome', async () => {
  const phone = '+13125550100';
  const lead = await a.must(201, 'POST', '/api/v1/leads',
    { phone, name: 'Grace Hopper', metadata: { crm: 'c-1' }, ...callableNow() });
  const live = await connect(a);
  try {
    const queued = await a.must(202, 'POST', '/api/v1/calls/outbound',
      { lead_id: lead.id, from_number: fromA, agent_id: agentA.id, metadata: { ticket: 'T-1' } });
    assert.equal(queued.status, 'queued');
    assert.ok(queued.campaign_id > 0 && queued.lead_id > 0, JSON.stringify(queued));
    assert.notEqual(queued.lead_id, lead.id, 'the call has its own lead, a copy');
    assert.equal(queued.to_number, phone);

    const calls = await waitFor(async () => {
      const r = await a.must(200, 'GET', `/api/v1/calls?campaign_id=${queued.campaign_id}`);
      return r.items.length === 1 && r.items[0].disposition === 'answered' ? r : null;
    }, 60000, 'the outbound call to reach its outcome', 200);
    assert.equal(calls.total, 1);
    const call = calls.items[0];
    assert.equal(call.lead_id, queued.lead_id);
    assert.equal(call.to_number, phone);
    assert.equal(call.from_number, fromA);
    assert.equal(call.attempt_no, 1);

    const campaign = await waitFor(async () => {
      const c = await a.must(200, 'GET', `/api/v1/campaigns/${queued.campaign_id}`);
      return c.status === 'completed' ? c : null;
    }, 30000, 'the outbound campaign to complete', 200);
    assert.equal(campaign.kind, 'outbound');
    assert.equal(campaign.max_concurrent_calls, 1);
    assert.equal(campaign.max_attempts, 1);
    assert.equal(campaign.agent_id, agentA.id);
    assert.equal(campaign.from_number, fromA);
    assert.deepEqual(campaign.metadata, { ticket: 'T-1' });
    const stats = await a.must(200, 'GET', `/api/v1/campaigns/${queued.campaign_id}/stats`);
    assert.equal(stats.total_leads, 1);
    assert.equal(stats.leads_terminal, 1);
    assert.equal(stats.dispositions.answered, 1);

    const copy = await a.must(200, 'GET', `/api/v1/leads/${queued.lead_id}`);
    assert.equal(copy.name, 'Grace Hopper');
    assert.equal(copy.consent_status, 'granted');
    assert.equal(copy.timezone, lead.timezone);
    assert.deepEqual(copy.metadata, { crm: 'c-1' });
    assert.equal(copy.status, 'completed');

    // Exactly one dial, with the agent and the caller number asked for.
    const record = await sim.record();
    const dials = record.creates.filter((c) => c.to_number === phone);
    assert.equal(dials.length, 1, JSON.stringify(record.creates));
    assert.ok(dials[0].accepted);
    assert.equal(dials[0].from_number, fromA);

    // The call's events went out over the WebSocket with its campaign and lead.
    await waitFor(() => live.events.some((e) => e.type === 'call.ended' &&
      e.data.campaign_id === queued.campaign_id), 10000, 'call.ended over the WebSocket');
    const mine = live.events.filter((e) => e.type?.startsWith('call.') && e.data.campaign_id === queued.campaign_id);
    assert.ok(mine.some((e) => e.type === 'call.started'), JSON.stringify(mine));
    assert.ok(mine.every((e) => e.data.lead_id === queued.lead_id));

    // Hidden from the campaign list, and not editable.
    const list = await a.must(200, 'GET', '/api/v1/campaigns?limit=1000');
    assert.ok(!list.items.some((c) => c.id === queued.campaign_id), 'outbound calls are not listed');
    assert.equal(list.total, 0);
    assertError(await a.call('PATCH', `/api/v1/campaigns/${queued.campaign_id}`, { name: 'x' }),
      409, 'INVALID_STATE', 'PATCH an outbound call');
    assertError(await a.call('POST', '/api/v1/leads', { phone: '+13125550101', campaign_id: queued.campaign_id }),
      400, 'VALIDATION_ERROR', 'a lead added to an outbound call');
  } finally {
    live.ws.close();
  }
});

test('a call with to_number only makes a new lead (and the US opt-in rule still applies)', async () => {
  // The US rule is opt-in for AI voices: a bare number has no consent, whatever the hour.
  const before = await footprint();
  const r = await a.call('POST', '/api/v1/calls/outbound',
    { to_number: '+13125550150', from_number: fromA, agent_id: agentA.id });
  assertError(r, 422, 'COMPLIANCE_VIOLATION', 'no consent');
  assert.equal(r.json.error.details.checks.consent, 'blocked');
  assert.equal(r.json.error.details.allowed, false);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(await footprint(), before, 'nothing created or dialled');
});

test('a DNC number and a lead outside its window get 422 and nothing is created or dialled', async () => {
  const dncPhone = '+13125550200';
  await a.must(201, 'POST', '/api/v1/compliance/dnc', { phone: dncPhone, reason: 'asked' });
  const dncLead = await a.must(201, 'POST', '/api/v1/leads', { phone: dncPhone, ...callableNow() });
  const night = await a.must(201, 'POST', '/api/v1/leads',
    { phone: '+13125550300', ...callableNow(), timezone: zoneAtLocalHour(3) });
  const before = await footprint();

  const dnc = await a.call('POST', '/api/v1/calls/outbound',
    { lead_id: dncLead.id, from_number: fromA, agent_id: agentA.id });
  assertError(dnc, 422, 'COMPLIANCE_VIOLATION', 'DNC');
  assert.equal(dnc.json.error.details.block_reason, 'dnc');
  assert.equal(dnc.json.error.details.checks.dnc, 'blocked');
  assert.equal(dnc.json.error.details.next_allowed_at, null);
  // Same with the number alone.
  const dncByNumber = await a.call('POST', '/api/v1/calls/outbound',
    { to_number: dncPhone, from_number: fromA, agent_id: agentA.id });
  assertError(dncByNumber, 422, 'COMPLIANCE_VIOLATION', 'DNC by number');
  assert.equal(dncByNumber.json.error.details.checks.dnc, 'blocked');

  const late = await a.call('POST', '/api/v1/calls/outbound',
    { lead_id: night.id, to_number: night.phone, from_number: fromA, agent_id: agentA.id });
  assertError(late, 422, 'COMPLIANCE_VIOLATION', 'outside the window');
  const details = late.json.error.details;
  assert.equal(details.block_reason, 'outside_calling_hours');
  assert.equal(details.checks.quiet_hours, 'blocked');
  assert.equal(details.checks.consent, 'passed');
  const opensIn = Date.parse(details.next_allowed_at) - Date.now();
  assert.ok(opensIn > 3 * 3600e3 && opensIn <= 6 * 3600e3, `03:xx local opens at 08:00: ${details.next_allowed_at}`);

  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(await footprint(), before, 'nothing created or dialled');
  const [[decisions]] = sql(database, 'select count(*) from compliance_checks where not allowed');
  assert.equal(Number(decisions), 0, 'a refused request leaves no campaign decision behind');
});

test('bad input gets its error and changes nothing', async () => {
  const lead = await a.must(201, 'POST', '/api/v1/leads', { phone: '+13125550400', ...callableNow() });
  const viewer = await a.must(201, 'POST', '/api/v1/api-keys', { name: 'dashboard', role: 'viewer' });
  const good = { lead_id: lead.id, from_number: fromA, agent_id: agentA.id };
  const before = await footprint();
  const post = (body, opts) => a.call('POST', '/api/v1/calls/outbound', body, opts);
  const fieldsOf = (r) => (r.json?.error?.details?.fields ?? []).map((f) => f.field);

  let r = await post({ ...good, lead_id: undefined, to_number: '555' });
  assertError(r, 400, 'VALIDATION_ERROR', 'bad number');
  assert.deepEqual(fieldsOf(r), ['to_number']);
  r = await post({ ...good, agent_id: 999999 });
  assertError(r, 400, 'VALIDATION_ERROR', 'unknown agent');
  assert.deepEqual(fieldsOf(r), ['agent_id']);
  r = await post({ ...good, agent_id: agentB.id });
  assertError(r, 400, 'VALIDATION_ERROR', "another tenant's agent");
  assert.deepEqual(fieldsOf(r), ['agent_id']);
  r = await post({ ...good, from_number: fromB });
  assertError(r, 400, 'VALIDATION_ERROR', "another tenant's number");
  assert.deepEqual(fieldsOf(r), ['from_number']);
  r = await post({ lead_id: lead.id });
  assertError(r, 400, 'VALIDATION_ERROR', 'missing fields');
  assert.deepEqual(fieldsOf(r).sort(), ['agent_id', 'from_number']);
  r = await post({ ...good, metadata: 'not an object' });
  assertError(r, 400, 'VALIDATION_ERROR', 'metadata');
  assert.deepEqual(fieldsOf(r), ['metadata']);
  r = await post({ ...good, lead_id: 'seven' });
  assertError(r, 400, 'VALIDATION_ERROR', 'lead_id type');
  r = await post({ ...good, to_number: '+13125550401' });
  assertError(r, 400, 'VALIDATION_ERROR', "not the lead's number");
  assert.deepEqual(fieldsOf(r), ['to_number']);
  r = await post({ from_number: fromA, agent_id: agentA.id });
  assertError(r, 400, 'VALIDATION_ERROR', 'neither to_number nor lead_id');
  assert.deepEqual(fieldsOf(r), ['to_number']);

  assertError(await post({ ...good, lead_id: leadB.id }), 404, 'LEAD_NOT_FOUND', "another tenant's lead");
  assertError(await post({ ...good, lead_id: 99999999 }), 404, 'LEAD_NOT_FOUND', 'unknown lead');
  assertError(await post(good, { token: viewer.key }), 403, 'PERMISSION_DENIED', 'viewer');
  assertError(await post('{"lead_id": 1,', {}), 400, 'MALFORMED_JSON', 'malformed JSON');
  assertError(await post('[1, 2]'), 400, 'MALFORMED_JSON', 'not an object');
  assertError(await new Api(dialerd.url).call('POST', '/api/v1/calls/outbound', good), 401,
    'UNAUTHENTICATED', 'no credentials');
  // Tenant B cannot call through A's lead either, even with its own agent and number.
  assertError(await b.call('POST', '/api/v1/calls/outbound',
    { lead_id: lead.id, from_number: fromB, agent_id: agentB.id }), 404, 'LEAD_NOT_FOUND', 'B with A lead');

  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(await footprint(), before, 'nothing created or dialled');
  const [[mine]] = sql(database, `select count(*) from campaigns where tenant_id = ${b.tenantId}`);
  assert.equal(Number(mine), 0);
});
