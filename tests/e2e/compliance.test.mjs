// End to end: the compliance decision before every dial. A campaign whose leads include DNC
// numbers, consent-denied leads in an opt-in country (the US rule is opt-in for AI voices) and
// leads whose local time is outside their window right now; the simulator's record must show
// none of them dialled and every other lead dialled, and the stats count each block reason.
// Zones are chosen relative to the current instant, so the test behaves the same at any hour of
// any day. Also: /compliance/check, /compliance/rules and /compliance/dnc with its CSV import.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  callableNow, createDatabase, registerTenant, setupCampaign, sql, startDialerd, startSim, waitFor,
  zoneAtLocalHour,
} from '../../loadtest/driver/harness.mjs';

const apiKey = `key_cmp_${randomBytes(6).toString('hex')}`;
let database;
let sim;
let dialerd;
let a;
let b;
let campaignId;
const callable = [];
const dncPhones = ['+13125550101', '+13125550102', '+13125550103'];
const deniedPhones = ['+13125550201', '+13125550202', '+13125550203'];
const nightPhones = ['+13125550301', '+13125550302', '+13125550303'];
const leadIds = {};

function assertError(r, status, code) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.equal(r.json?.error?.code, code, r.text);
}

before(async () => {
  database = createDatabase('dialer_compliance');
  sim = await startSim({ apiKey, timeScale: 600, mix: 'answered=100' });
  dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex') });
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  a = await registerTenant(dialerd.url, 'Compliance A');
  b = await registerTenant(dialerd.url, 'Compliance B');
  const { campaign } = await setupCampaign(a, { leadCount: 6, cap: 4 });
  campaignId = campaign.id;
  const leads = await a.must(200, 'GET', `/api/v1/leads?campaign_id=${campaignId}&limit=100`);
  for (const l of leads.items) callable.push(l.phone);

  // DNC: one number through the API, two through a CSV import (with bad rows around them).
  await a.must(201, 'POST', '/api/v1/compliance/dnc', { phone: dncPhones[0], reason: 'asked on a call' });
  const csv = `phone,reason\n${dncPhones[1]},complaint\nnot-a-number,x\n${dncPhones[2]},\n"unterminated,x\n`;
  const imported = await a.must(200, 'POST', '/api/v1/compliance/dnc/bulk-import', csv,
    { headers: { 'content-type': 'text/csv' } });
  assert.equal(imported.imported, 2);
  assert.equal(imported.failed, 2);
  assert.deepEqual(imported.errors.map((e) => e.line), [3, 5]);

  const now = new Date();
  const make = (phone, extra) => ({ phone, campaign_id: campaignId, ...callableNow(now), ...extra });
  const blocked = [
    ...dncPhones.map((p) => make(p)),
    ...deniedPhones.map((p) => make(p, { consent_status: 'denied' })),
    // 03:00 local: outside the US window (08:00-21:00) whatever the day.
    ...nightPhones.map((p) => make(p, { timezone: zoneAtLocalHour(3, now) })),
  ];
  const created = await a.must(201, 'POST', '/api/v1/leads', blocked);
  blocked.forEach((l, i) => { leadIds[l.phone] = created.ids[i]; });
});

after(async () => {
  await dialerd?.stop();
  await sim?.stop();
});

test('blocked leads are never dialled, the others are, and the stats count each block reason', async () => {
  await a.must(200, 'POST', `/api/v1/campaigns/${campaignId}/start`);
  const stats = await waitFor(async () => {
    const s = await a.must(200, 'GET', `/api/v1/campaigns/${campaignId}/stats`);
    const done = s.leads_terminal === callable.length + dncPhones.length + deniedPhones.length &&
      (s.blocked.quiet_hours ?? 0) === nightPhones.length;
    return done ? s : null;
  }, 60000);

  const record = await sim.record();
  const accepted = record.creates.filter((c) => c.accepted);
  const dialledNumbers = new Set(record.creates.map((c) => c.to_number));
  for (const p of [...dncPhones, ...deniedPhones, ...nightPhones])
    assert.ok(!dialledNumbers.has(p), `${p} must not be dialled`);
  assert.deepEqual([...new Set(accepted.map((c) => c.to_number))].sort(), [...callable].sort(),
    'every allowed lead dialled, once');
  assert.equal(accepted.length, callable.length);

  assert.equal(stats.blocked.dnc, 3);
  assert.equal(stats.blocked.consent, 3);
  assert.equal(stats.blocked.quiet_hours, 3);
  assert.equal(stats.block_reasons.dnc, 3);
  assert.equal(stats.block_reasons.consent_denied, 3);
  assert.equal(stats.block_reasons.outside_calling_hours, 3);

  // Closed for good with their reason; the night leads wait for their window to open.
  const dnc = await a.must(200, 'GET', `/api/v1/leads/${leadIds[dncPhones[0]]}`);
  assert.equal(dnc.status, 'cancelled');
  assert.equal(dnc.terminal_reason, 'compliance:dnc');
  const denied = await a.must(200, 'GET', `/api/v1/leads/${leadIds[deniedPhones[0]]}`);
  assert.equal(denied.terminal_reason, 'compliance:consent_denied');
  const night = await a.must(200, 'GET', `/api/v1/leads/${leadIds[nightPhones[0]]}`);
  assert.equal(night.status, 'pending');
  assert.equal(night.attempts, 0, 'a blocked lead uses no attempt');
  const opensIn = Date.parse(night.next_attempt_at) - Date.now();
  assert.ok(opensIn > 3 * 3600e3 && opensIn <= 6 * 3600e3,
    `03:xx local opens at 08:00: ${night.next_attempt_at}`);

  // Every decision is recorded with its reason.
  const [[decided]] = sql(database, `select count(*) from compliance_checks where campaign_id = ${campaignId}`);
  assert.equal(Number(decided), callable.length + 9);
  const [[allowedWithAttempt]] = sql(database,
    `select count(*) from compliance_checks where campaign_id = ${campaignId} and allowed and attempt_id is not null`);
  assert.equal(Number(allowedWithAttempt), callable.length);

  // The check endpoint agrees with the engine, and says when the window opens.
  const check = await a.must(200, 'GET', `/api/v1/compliance/check?lead_id=${leadIds[nightPhones[0]]}&campaign_id=${campaignId}`);
  assert.equal(check.allowed, false);
  assert.equal(check.block_reason, 'outside_calling_hours');
  assert.equal(check.checks.quiet_hours, 'blocked');
  assert.equal(check.country_iso, 'US');
  assert.equal(check.next_allowed_at, night.next_attempt_at);
  const later = await a.must(200, 'GET',
    `/api/v1/compliance/check?lead_id=${leadIds[nightPhones[0]]}&at=${encodeURIComponent(check.next_allowed_at)}`);
  assert.equal(later.allowed, true);
  assert.deepEqual(later.required_disclosures.includes('ai_agent'), true);
  await a.must(200, 'POST', `/api/v1/campaigns/${campaignId}/stop`);
});

test('/compliance/check: DNC is per tenant; bad input is refused', async () => {
  const forA = await a.must(200, 'GET', `/api/v1/compliance/check?to_number=${encodeURIComponent(dncPhones[0])}`);
  assert.equal(forA.allowed, false);
  assert.equal(forA.block_reason, 'dnc');
  const forB = await b.must(200, 'GET', `/api/v1/compliance/check?to_number=${encodeURIComponent(dncPhones[0])}`);
  assert.equal(forB.checks.dnc, 'passed', "tenant A's DNC list never applies to tenant B");
  assertError(await a.call('GET', '/api/v1/compliance/check'), 400, 'VALIDATION_ERROR');
  assertError(await a.call('GET', '/api/v1/compliance/check?to_number=555'), 400, 'VALIDATION_ERROR');
  assertError(await a.call('GET', '/api/v1/compliance/check?to_number=%2B13125550101&at=yesterday'), 400, 'VALIDATION_ERROR');
  assertError(await b.call('GET', `/api/v1/compliance/check?lead_id=${leadIds[dncPhones[0]]}`), 404, 'LEAD_NOT_FOUND');
  assertError(await b.call('GET', `/api/v1/compliance/check?to_number=%2B13125550101&campaign_id=${campaignId}`), 404, 'CAMPAIGN_NOT_FOUND');
  // A number no rule covers fails closed.
  const nowhere = await a.must(200, 'GET', '/api/v1/compliance/check?to_number=%2B81312345678');
  assert.equal(nowhere.allowed, false);
  assert.equal(nowhere.block_reason, 'no_country_rule');
  assert.equal(nowhere.next_allowed_at, null);
});

test('/compliance/dnc: list, duplicate, delete, isolation, bad input changes nothing', async () => {
  const list = await a.must(200, 'GET', '/api/v1/compliance/dnc');
  assert.equal(list.total, 3);
  assert.deepEqual(list.items.map((d) => d.phone).sort(), [...dncPhones].sort());
  assert.equal((await b.must(200, 'GET', '/api/v1/compliance/dnc')).total, 0);
  assertError(await a.call('POST', '/api/v1/compliance/dnc', { phone: dncPhones[0] }), 409, 'CONFLICT');
  assertError(await a.call('POST', '/api/v1/compliance/dnc', { phone: 'nope' }), 400, 'VALIDATION_ERROR');
  assertError(await a.call('POST', '/api/v1/compliance/dnc', '{bad'), 400, 'MALFORMED_JSON');
  assertError(await a.call('POST', '/api/v1/compliance/dnc/bulk-import', 'reason\nx\n',
    { headers: { 'content-type': 'text/csv' } }), 400, 'VALIDATION_ERROR');
  const entry = list.items[0];
  assertError(await b.call('DELETE', `/api/v1/compliance/dnc/${entry.id}`), 404, 'RESOURCE_NOT_FOUND');
  assert.equal((await a.must(200, 'GET', '/api/v1/compliance/dnc')).total, 3, 'nothing changed');
  await a.must(204, 'DELETE', `/api/v1/compliance/dnc/${entry.id}`);
  assertError(await a.call('DELETE', `/api/v1/compliance/dnc/${entry.id}`), 404, 'RESOURCE_NOT_FOUND');
  const found = await a.must(200, 'GET', `/api/v1/compliance/dnc?q=${encodeURIComponent(dncPhones[1].slice(1))}`);
  assert.equal(found.total, 1);
});

test('/compliance/dnc/bulk-import takes 100,000 rows with duplicates and bad lines', async () => {
  const lines = ['phone,reason'];
  for (let i = 0; i < 100000; i++) lines.push(`+1646${String(2000000 + i)},import`);
  lines.push('+16462000000,again');   // duplicate of the first row
  lines.push('+1646,short');           // bad
  const started = Date.now();
  const r = await a.must(200, 'POST', '/api/v1/compliance/dnc/bulk-import', `${lines.join('\n')}\n`,
    { headers: { 'content-type': 'text/csv' } });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.imported, 100000);
  assert.equal(r.duplicates, 1);
  assert.equal(r.failed, 1);
  assert.equal(r.errors[0].line, 100003);
  const [[n]] = sql(database, `select count(*) from dnc_numbers where tenant_id = ${a.tenantId}`);
  assert.equal(Number(n), 100000 + 2);
  console.log(`# 100,000-row DNC import: ${seconds.toFixed(2)} s`);
});

test('/compliance/rules: defaults with sources, tenant overrides validated and kept per tenant', async () => {
  const all = await a.must(200, 'GET', '/api/v1/compliance/rules');
  assert.ok(all.items.map((i) => i.country_iso).includes('FR'));
  const fr = await a.must(200, 'GET', '/api/v1/compliance/rules?country_iso=FR');
  assert.equal(fr.items.length, 1);
  assert.equal(fr.items[0].rule.calling_hours.legal_floor, true);
  assert.equal(fr.items[0].tenant_override, null);
  assertError(await a.call('GET', '/api/v1/compliance/rules?country_iso=fr'), 400, 'VALIDATION_ERROR');
  assertError(await a.call('GET', '/api/v1/compliance/rules?country_iso=ZZ'), 404, 'RESOURCE_NOT_FOUND');

  const override = structuredClone(fr.items[0].rule);
  override.calling_hours.windows = { weekdays: ['10:00-12:00'], weekend: 'forbidden' };
  const put = await a.must(200, 'PUT', '/api/v1/compliance/rules/FR', override);
  assert.deepEqual(put.tenant_override.calling_hours.windows, { weekdays: ['10:00-12:00'], weekend: 'forbidden' });
  const again = await a.must(200, 'GET', '/api/v1/compliance/rules?country_iso=FR');
  assert.ok(again.items[0].tenant_override);
  const other = await b.must(200, 'GET', '/api/v1/compliance/rules?country_iso=FR');
  assert.equal(other.items[0].tenant_override, null, "A's override is not B's");

  const bad = structuredClone(override);
  bad.calling_hours.windows = { monday: ['25:00-26:00'] };
  assertError(await a.call('PUT', '/api/v1/compliance/rules/FR', bad), 400, 'VALIDATION_ERROR');
  assertError(await a.call('PUT', '/api/v1/compliance/rules/FR', '{nope'), 400, 'MALFORMED_JSON');
  const unchanged = await a.must(200, 'GET', '/api/v1/compliance/rules?country_iso=FR');
  assert.deepEqual(unchanged.items[0].tenant_override, again.items[0].tenant_override, 'bad input changes nothing');
});

test("a running campaign obeys its tenant's new calling hours once the PUT answers", async () => {
  const c = await registerTenant(dialerd.url, 'Compliance C');
  // Answered calls of about 6 s: every line stays busy and standbys are journalled behind them.
  await sim.configure({ time_scale: 20 });
  const leadCount = 12;
  const cap = 2;
  const { campaign } = await setupCampaign(c, { leadCount, cap, fromNumber: '+14155550177' });
  await c.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  const inProgress = () => Number(sql(database,
    `select count(*) from leads where campaign_id = ${campaign.id} and status = 'in_progress'`)[0][0]);
  await waitFor(() => inProgress() > cap, 30000, 'standby dials behind busy lines');

  // The leads' local time is 13:xx; the tenant narrows US calls to 08:00-09:00.
  const us = (await c.must(200, 'GET', '/api/v1/compliance/rules?country_iso=US')).items[0].rule;
  const narrowed = structuredClone(us);
  narrowed.calling_hours.windows = { every_day: ['08:00-09:00'] };
  await c.must(200, 'PUT', '/api/v1/compliance/rules/US', narrowed);
  const answeredAt = Date.now();
  const [[answeredAtDb]] = sql(database, 'select now()');

  // Let the calls in flight end: nothing more may be dialled.
  await waitFor(async () => {
    const s = await c.must(200, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    return s.calls_in_progress === 0 && inProgress() === 0;
  }, 60000, 'the calls in flight to end');
  await new Promise((r) => setTimeout(r, 500));

  const [[allowedAfter]] = sql(database, `select count(*) from compliance_checks
    where campaign_id = ${campaign.id} and allowed and decided_at > '${answeredAtDb}'`);
  assert.equal(allowedAfter, '0', 'no dial is allowed under the old rules once the PUT answered');
  const record = await sim.record();
  const ours = record.creates.filter((x) => Number(x.metadata.campaign_id) === campaign.id);
  const late = ours.filter((x) => x.received_at_ms > answeredAt + 1000);
  assert.deepEqual(late.map((x) => x.to_number), [],
    'no create reaches the provider after the PUT, not even a standby decided before it');
  const dialled = new Set(ours.map((x) => x.to_number));
  assert.ok(dialled.size < leadCount, `${dialled.size} of ${leadCount} leads dialled`);
  const waiting = await c.must(200, 'GET', `/api/v1/leads?campaign_id=${campaign.id}&status=pending&limit=100`);
  assert.equal(waiting.items.length, leadCount - dialled.size, 'the others wait for the new window');
  for (const l of waiting.items) {
    assert.equal(l.attempts, 0, 'a withdrawn standby or a blocked lead uses no attempt');
    const opensIn = Date.parse(l.next_attempt_at) - Date.now();
    // 13:xx local (14:00 if the hour turned meanwhile): the window opens at 08:00.
    assert.ok(opensIn > 17 * 3600e3 && opensIn <= 19 * 3600e3, `opens at 08:00 local: ${l.next_attempt_at}`);
  }
  await c.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/stop`);
  await sim.configure({ time_scale: 600 });
});

test('a lead waiting as a standby dial can be edited: its consent revoked, it is never dialled', async () => {
  const d = await registerTenant(dialerd.url, 'Compliance D');
  // Answered calls of 15 s or more: no line frees while the test edits the standby's lead.
  await sim.configure({ time_scale: 2 });
  const cap = 2;
  const { campaign } = await setupCampaign(d, { leadCount: 8, cap, fromNumber: '+14155550166' });
  await d.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  const attempts = () => sql(database, `select lead_id, provider_call_id is not null from call_attempts
    where campaign_id = ${campaign.id} and state in ('dialing', 'registered', 'ongoing') and closed_at is null`);
  // Both lines placed with the provider, and dials journalled behind them, not sent.
  await waitFor(() => {
    const open = attempts();
    return open.filter(([, placed]) => placed === 't').length === cap && open.length > cap;
  }, 30000, 'standby dials behind busy lines');
  // The stats count the standbys as queued, not in progress: never more calls than lines.
  const stats = await waitFor(async () => {
    const st = await d.must(200, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    return st.calls_in_progress === cap ? st : null;
  }, 10000, 'the calls in progress at the cap, the standbys counted as queued');
  assert.equal(stats.calls_queued, 8 - cap, 'every other lead is due: a standby or still pending');
  const open = attempts();
  const standbyLead = Number(open.find(([, placed]) => placed === 'f')[0]);
  const calledLead = Number(open.find(([, placed]) => placed === 't')[0]);

  const edited = await d.must(200, 'PATCH', `/api/v1/leads/${standbyLead}`, { consent_status: 'denied' });
  assert.equal(edited.consent_status, 'denied');
  assertError(await d.call('PATCH', `/api/v1/leads/${calledLead}`, { consent_status: 'denied' }),
    409, 'INVALID_STATE');
  const called = await d.must(200, 'GET', `/api/v1/leads/${calledLead}`);
  assert.notEqual(called.consent_status, 'denied', 'a lead on a call is not edited');

  const [[state, error]] = sql(database, `select state, error from call_attempts where lead_id = ${standbyLead}`);
  assert.equal(state, 'planned', 'never sent');
  assert.equal(error, 'withdrawn: lead edited');
  assert.notEqual(edited.status, 'in_progress');

  // Calls end quickly again: the campaign decides the edited lead on its new facts.
  await sim.configure({ time_scale: 600 });
  const closed = await waitFor(async () => {
    const l = await d.must(200, 'GET', `/api/v1/leads/${standbyLead}`);
    return l.status === 'cancelled' ? l : null;
  }, 60000, 'the edited lead to be decided again');
  assert.equal(closed.terminal_reason, 'compliance:consent_denied');
  assert.equal(closed.attempts, 0, 'its withdrawn standby is no attempt');
  const record = await sim.record();
  assert.ok(!record.creates.some((x) => Number(x.metadata.lead_id) === standbyLead),
    'the provider never received a create for the edited lead');
  await d.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/stop`);
});
