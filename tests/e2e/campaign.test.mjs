// End to end: dialerd + retell_sim + a real PostgreSQL (PG* variables from pg_virtualenv).
// Promises checked from the simulator's own record, not from the engine's view.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sign, symmetric, verify } from 'retell-sdk/lib/webhook_auth.js';
import {
  createDatabase, registerTenant, setupCampaign, sql, startDialerd, startSim, waitForCompletion,
} from '../../loadtest/driver/harness.mjs';

const apiKey = `key_e2e_${randomBytes(6).toString('hex')}`;
const cap = 7;
const leadCount = 120;
let database;
let sim;
let dialerd;
let api;
let campaignId;

before(async () => {
  database = createDatabase('dialer_e2e');
  sim = await startSim({ apiKey, timeScale: 600, concurrencyLimit: cap * 3,
    mix: 'answered=40,no_answer=20,busy=15,voicemail=15,failed=10' });
  dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex') });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  api = await registerTenant(dialerd.url, 'E2E Co');
  const { campaign } = await setupCampaign(api, { leadCount, cap });
  campaignId = campaign.id;
});

after(async () => {
  await dialerd?.stop();
  await sim?.stop();
});

test('a campaign dials every lead exactly once, never above its cap, to a final state', async () => {
  const started = await api.must(200, 'POST', `/api/v1/campaigns/${campaignId}/start`);
  assert.equal(started.status, 'running');
  const stats = await waitForCompletion(api, campaignId, 120000);

  const record = await sim.record();
  assert.ok(record.peak_concurrency <= cap, `simulator saw ${record.peak_concurrency} concurrent calls, cap ${cap}`);
  assert.ok(record.peak_concurrency >= 2, 'the campaign should have dialled in parallel');
  const accepted = record.creates.filter((c) => c.accepted);
  assert.equal(accepted.length, leadCount, 'one accepted create per lead');
  const perLead = new Map();
  for (const c of accepted) perLead.set(c.metadata.lead_id, (perLead.get(c.metadata.lead_id) || 0) + 1);
  assert.equal(perLead.size, leadCount, 'every lead was dialled');
  for (const [lead, n] of perLead) assert.equal(n, 1, `lead ${lead} was dialled ${n} times`);
  const attempts = new Set(accepted.map((c) => c.metadata.attempt_id));
  assert.equal(attempts.size, accepted.length, 'each attempt id was sent once');

  assert.equal(stats.total_leads, leadCount);
  assert.equal(stats.leads_terminal, leadCount);
  const [[open]] = sql(database, `select count(*) from leads where status not in ('completed','failed')`);
  assert.equal(open, '0');
  const outcomes = Object.values(stats.dispositions).reduce((a, b) => a + b, 0);
  assert.equal(outcomes, leadCount, `dispositions ${JSON.stringify(stats.dispositions)}`);

  const calls = await api.must(200, 'GET', `/api/v1/calls?campaign_id=${campaignId}&limit=1000`);
  assert.equal(calls.total, leadCount);
  for (const c of calls.items) assert.ok(c.disposition && c.disposition !== 'none', `call ${c.id} has no disposition`);
});

test('webhooks: the SDK signature is accepted once; tampered, wrong-key and stale ones get 401 and store nothing', async () => {
  const calls = await api.must(200, 'GET', `/api/v1/calls?campaign_id=${campaignId}&limit=1`);
  assert.equal(calls.items.length, 1, 'needs a call from the previous test');
  const call = calls.items[0];
  const body = JSON.stringify({ event: 'transcript_updated', call: {
    call_id: call.provider_call_id, call_status: 'ended', metadata: { attempt_id: String(call.id) },
    transcript: 'Agent: hello\nUser: hi' } });
  const inbox = () => Number(sql(database, `select count(*) from webhook_events`)[0][0]);
  const post = (payload, signature) => fetch(`${dialerd.url}/api/v1/webhooks/retell`, {
    method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'x-retell-signature': signature } });
  const before = inbox();

  const goodSig = await sign(body, apiKey);
  assert.equal(await verify(body, apiKey, goodSig), true);
  const tampered = body.replace('hello', 'HELLO');
  for (const [payload, sig, why] of [
    [tampered, goodSig, 'tampered body'],
    [body, await sign(body, 'not_the_key'), 'wrong key'],
    [body, await symmetric.sign(body, apiKey, Date.now() - 6 * 60 * 1000), 'stale timestamp'],
    [body, 'v=123,d=nothex', 'malformed header'],
    [body, '', 'missing header'],
  ]) {
    const r = await post(payload, sig);
    assert.equal(r.status, 401, why);
    const err = await r.json();
    assert.equal(err.error.code, 'INVALID_SIGNATURE', why);
    assert.ok(err.error.request_id, why);
    assert.equal(inbox(), before, `${why} stored something`);
  }

  const ok = await post(body, goodSig);
  assert.equal(ok.status, 204);
  assert.equal(inbox(), before + 1);
  const dup = await post(body, await sign(body, apiKey));
  assert.equal(dup.status, 204, 'a duplicate is acknowledged');
  assert.equal(inbox(), before + 1, 'a duplicate is not stored twice');
});
