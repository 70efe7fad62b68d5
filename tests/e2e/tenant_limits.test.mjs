// End to end: the limits a tenant's campaigns share (PUT /settings/limits). Two campaigns of
// one tenant whose caps add up to more than the tenant's cap never have more calls in flight
// together than the tenant's cap, according to the simulator's record, while another tenant
// without limits runs beside them at its own cap; a tenant's monthly budget stops its campaigns
// before spent + reserved passes it. Bad input and viewers change nothing.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  Api, createDatabase, registerTenant, setupCampaign, startDialerd, startSim, waitFor,
  waitForCompletion,
} from '../../loadtest/driver/harness.mjs';
import { peakOverlap } from '../../loadtest/driver/measure.mjs';

const apiKey = `key_lim_${randomBytes(6).toString('hex')}`;
let sim;
let dialerd;

/** Most calls open at once among `creates`, in real time (from the simulator's record). */
const peakInFlight = (creates) => peakOverlap(creates.map((c) => [c.received_at_ms, c.released_at_ms]));

/** The simulator's creates of these campaigns (by the campaign id the engine puts in metadata). */
async function createsOf(campaignIds) {
  const record = await sim.record();
  const ids = new Set(campaignIds.map(String));
  return record.creates.filter((c) => c.call_id && ids.has(String(c.metadata?.campaign_id)));
}

before(async () => {
  // Calls last about 3 s real (120 simulated seconds at x40), so campaigns overlap for long.
  sim = await startSim({ apiKey, timeScale: 40, concurrencyLimit: 100, mix: 'answered=100',
    extra: ['--mean-call-seconds', '120', '--ring-seconds', '4', '--analysis-seconds', '1'] });
  dialerd = await startDialerd({ database: createDatabase('dialer_limits'), retellBaseUrl: sim.url,
    apiKey, jwtSecret: randomBytes(24).toString('hex') });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
});

after(async () => {
  await dialerd?.stop();
  await sim?.stop();
});

test('the tenant cap holds across its campaigns; a tenant without limits is not held', async () => {
  const a = await registerTenant(dialerd.url, 'Limits A');
  const b = await registerTenant(dialerd.url, 'Limits B');
  const limits = await a.must(200, 'PUT', '/api/v1/settings/limits', { max_concurrent_calls: 4 });
  assert.deepEqual(limits, { max_concurrent_calls: 4, monthly_budget_cents: null, month_spent_cents: 0 });
  const { campaign: a1 } = await setupCampaign(a, { leadCount: 12, cap: 3, name: 'A1' });
  const { campaign: a2 } = await setupCampaign(a, { leadCount: 12, cap: 3, name: 'A2', fromNumber: '+14155550101' });
  const { campaign: b1 } = await setupCampaign(b, { leadCount: 12, cap: 5, name: 'B1' });
  for (const [api, id] of [[a, a1.id], [a, a2.id], [b, b1.id]])
    await api.must(200, 'POST', `/api/v1/campaigns/${id}/start`);
  for (const [api, id] of [[a, a1.id], [a, a2.id], [b, b1.id]]) {
    const stats = await waitForCompletion(api, id, 240000);
    assert.equal(stats.leads_terminal ?? stats.total_leads, 12);
  }
  const aCreates = await createsOf([a1.id, a2.id]);
  const bCreates = await createsOf([b1.id]);
  assert.equal(aCreates.length, 24, 'every lead of tenant A dialled once');
  assert.equal(new Set(aCreates.map((c) => c.metadata.attempt_id)).size, 24);
  assert.ok(peakInFlight(aCreates) <= 4, `tenant A had ${peakInFlight(aCreates)} calls at once`);
  assert.equal(peakInFlight(aCreates), 4, 'the tenant cap was used, not undershot');
  assert.ok(peakInFlight(await createsOf([a1.id])) <= 3, 'each campaign keeps its own cap too');
  assert.equal(peakInFlight(bCreates), 5, 'another tenant runs at its own cap');
});

test('a monthly budget stops the tenant\'s campaigns before spent + reserved passes it', async () => {
  const c = await registerTenant(dialerd.url, 'Limits C');
  // Calls cost at most 1.75 x 120 s x 9.8 cents/min = 35 cents; each holds 40 of 120.
  await c.must(200, 'PUT', '/api/v1/settings/limits', { monthly_budget_cents: 120 });
  const opts = { leadCount: 10, cap: 5, campaign: { est_cost_per_call_cents: 40 } };
  const { campaign: c1 } = await setupCampaign(c, { ...opts, name: 'C1' });
  const { campaign: c2 } = await setupCampaign(c, { ...opts, name: 'C2', fromNumber: '+14155550101' });
  await c.must(200, 'POST', `/api/v1/campaigns/${c1.id}/start`);
  await c.must(200, 'POST', `/api/v1/campaigns/${c2.id}/start`);
  await waitFor(async () => {
    const s1 = await c.must(200, 'GET', `/api/v1/campaigns/${c1.id}`);
    const s2 = await c.must(200, 'GET', `/api/v1/campaigns/${c2.id}`);
    return s1.status === 'paused' && s2.status === 'paused';
  }, 120000, 'both campaigns paused by the tenant budget', 250);
  const creates = await createsOf([c1.id, c2.id]);
  assert.ok(peakInFlight(creates) <= 3, `${peakInFlight(creates)} holds of 40 at once in 120`);
  const limits = await waitFor(async () => {
    const l = await c.must(200, 'GET', '/api/v1/settings/limits');
    const ended = (await sim.record()).creates.filter((x) => creates.some((y) => y.call_id === x.call_id));
    return ended.every((x) => x.released_at_ms) && l.month_spent_cents > 0 ? l : null;
  }, 60000, 'the month spend settled');
  assert.ok(limits.month_spent_cents <= 120, `spent ${limits.month_spent_cents} of 120`);
  const stats1 = await c.must(200, 'GET', `/api/v1/campaigns/${c1.id}/stats`);
  const stats2 = await c.must(200, 'GET', `/api/v1/campaigns/${c2.id}/stats`);
  assert.ok(stats1.total_leads + stats2.total_leads - creates.length >= 10,
    'undialled leads wait for a raised budget');
});

test('bad limits get a clear error and change nothing; viewers read but cannot set them', async () => {
  const d = await registerTenant(dialerd.url, 'Limits D');
  const other = await registerTenant(dialerd.url, 'Limits E');
  await d.must(200, 'PUT', '/api/v1/settings/limits', { max_concurrent_calls: 7, monthly_budget_cents: 5000 });
  const bad = [
    [{ max_concurrent_calls: 0 }, 'max_concurrent_calls'],
    [{ max_concurrent_calls: 'ten' }, 'max_concurrent_calls'],
    [{ max_concurrent_calls: 2.5 }, 'max_concurrent_calls'],
    [{ monthly_budget_cents: -1 }, 'monthly_budget_cents'],
    [{ max_concurrent_calls: 3, monthly_budget_cents: true }, 'monthly_budget_cents'],
  ];
  for (const [body, field] of bad) {
    const r = await d.call('PUT', '/api/v1/settings/limits', body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'VALIDATION_ERROR');
    assert.ok(JSON.stringify(r.json.error.details).includes(field), r.text);
  }
  const malformed = await d.call('PUT', '/api/v1/settings/limits', '{"max_concurrent_calls": ');
  assert.equal(malformed.status, 400);
  assert.equal((await d.call('PUT', '/api/v1/settings/limits', '[1]')).status, 400);
  assert.deepEqual(await d.must(200, 'GET', '/api/v1/settings/limits'),
    { max_concurrent_calls: 7, monthly_budget_cents: 5000, month_spent_cents: 0 }, 'nothing changed');

  // An absent member keeps its value; null removes the limit.
  const kept = await d.must(200, 'PUT', '/api/v1/settings/limits', { max_concurrent_calls: null });
  assert.deepEqual(kept, { max_concurrent_calls: null, monthly_budget_cents: 5000, month_spent_cents: 0 });

  const key = await d.must(201, 'POST', '/api/v1/api-keys', { name: 'viewer', role: 'viewer' });
  const viewer = new Api(dialerd.url, key.key);
  assert.equal((await viewer.call('GET', '/api/v1/settings/limits')).status, 200);
  const refused = await viewer.call('PUT', '/api/v1/settings/limits', { max_concurrent_calls: 1 });
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await new Api(dialerd.url).call('GET', '/api/v1/settings/limits')).status, 401);
  assert.deepEqual(await other.must(200, 'GET', '/api/v1/settings/limits'),
    { max_concurrent_calls: null, monthly_budget_cents: null, month_spent_cents: 0 },
    'another tenant sees only its own limits');
});
