// The API surface beyond the skeleton against a real dialerd and PostgreSQL: API keys and
// roles, provider settings and per-tenant webhooks, PATCH/DELETE of resources, CSV bulk
// import, the JSON summaries, /openapi.json against the routes dialerd serves, and the
// per-tenant request rate limit. For each path: the happy path, each validation error, wrong
// state (409), unknown id (404), a viewer cannot write (403), and another tenant's ids get 404
// and change nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Api, binaries, createDatabase, registerTenant, sql, startDialerd,
} from '../../loadtest/driver/harness.mjs';

const platformKey = `key_platform_${randomBytes(6).toString('hex')}`;
const jwtSecret = randomBytes(24).toString('hex');
const configDir = mkdtempSync(join(tmpdir(), 'dialerd-surface-'));
const running = [];

let database;
let dialerd;
let a;       // tenant A's admin
let b;       // tenant B's admin
let ids;     // tenant A's resources
let viewer;  // tenant A, API key with the viewer role
let member;  // tenant A, API key with the user role

/** A config file with these [http] settings. */
function configFile(name, http) {
  const file = join(configDir, `${name}.toml`);
  writeFileSync(file, `[http]\n${Object.entries(http).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  return file;
}

async function dialerdOn(db, http) {
  const d = await startDialerd({ database: db, retellBaseUrl: 'http://127.0.0.1:9', apiKey: platformKey,
    jwtSecret, args: ['--config', configFile(db, http)] });
  running.push(d);
  return d;
}

/** Row counts and a digest of every row the API could change, in one psql query. */
function snapshot() {
  const tables = ['tenants', 'users', 'agents', 'phone_numbers', 'leads', 'campaigns', 'call_attempts',
    'webhook_events', 'api_keys'];
  const parts = tables.map((t) =>
    `(select count(*) || ':' || md5(coalesce(string_agg(x::text, ',' order by x.id), '')) from ${t} x)`);
  const [row] = sql(database, `select ${parts.join(', ')}`);
  return Object.fromEntries(tables.map((t, i) => [t, row[i]]));
}

function assertError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.ok(r.json?.error, `${what}: no error object in ${r.text}`);
  assert.equal(r.json.error.code, code, `${what}: ${r.text}`);
  assert.equal(typeof r.json.error.message, 'string', what);
  assert.equal(r.headers.get('x-request-id'), r.json.error.request_id, `${what}: X-Request-Id`);
}

/** Sends each case [client, method, path, body, status, code] and checks nothing changed. */
async function refusedWithoutChange(cases) {
  for (const [client, method, path, body, status, code, headers] of cases) {
    const before = snapshot();
    const r = await client.call(method, path, body, headers ? { headers } : undefined);
    assertError(r, status, code, `${method} ${path} ${typeof body === 'string' ? body.slice(0, 40) : JSON.stringify(body)}`);
    assert.deepEqual(snapshot(), before, `${method} ${path} changed something`);
  }
}

function one(query) {
  return sql(database, query)[0][0];
}

/** Signs a webhook body as Retell does: v=<ms>,d=<hex HMAC-SHA256(key, body + ms)>. */
function sign(body, key, ms = Date.now()) {
  return `v=${ms},d=${createHmac('sha256', key).update(body + String(ms)).digest('hex')}`;
}

function postWebhook(path, body, signature) {
  return fetch(`${dialerd.url}${path}`, { method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-retell-signature': signature } });
}

/** A closed call attempt (with its calls row) journalled straight into the database. */
function journalledCall(tenantId, campaignId, leadId, callId, { cost = 0, disposition = 'answered', state = 'ended' } = {}) {
  const id = one(`insert into call_attempts (tenant_id, campaign_id, lead_id, attempt_no, state,
      provider_call_id, from_number, to_number, disposition, ended_at, closed_at)
    values (${tenantId}, ${campaignId}, ${leadId}, 1, '${state}', '${callId}', '+14155550111',
      '+12125550100', '${disposition}', now(), now()) returning id`);
  sql(database, `insert into calls (attempt_id, tenant_id, disposition, cost_cents, duration_ms)
    values (${id}, ${tenantId}, '${disposition}', ${cost}, 30000)`);
  return Number(id);
}

before(async () => {
  database = createDatabase('dialer_surface');
  dialerd = await dialerdOn(database, { tenant_requests_per_second: 100000, tenant_request_burst: 100000 });
  a = await registerTenant(dialerd.url, 'Surface A');
  b = await registerTenant(dialerd.url, 'Surface B');
  const agent = await a.must(201, 'POST', '/api/v1/agents', { name: 'A agent', retell_agent_id: 'agent_a' });
  const number = await a.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550111' });
  const campaign = await a.must(201, 'POST', '/api/v1/campaigns',
    { name: 'A campaign', agent_id: agent.id, from_number: '+14155550111', max_concurrent_calls: 2 });
  const lead = await a.must(201, 'POST', '/api/v1/leads', { phone: '+12125550100', campaign_id: campaign.id });
  ids = { agent: agent.id, number: number.id, campaign: campaign.id, lead: lead.id };
  const viewerKey = await a.must(201, 'POST', '/api/v1/api-keys', { name: 'dashboard', role: 'viewer' });
  viewer = new Api(dialerd.url, viewerKey.key);
  const memberKey = await a.must(201, 'POST', '/api/v1/api-keys', { name: 'ci', role: 'user' });
  member = new Api(dialerd.url, memberKey.key);
});

after(async () => {
  for (const d of running) await d.stop();
});

test('API keys are shown once, stored hashed, act as bearer credentials and can be revoked', async () => {
  const created = await a.must(201, 'POST', '/api/v1/api-keys', { name: 'script' });
  assert.match(created.key, /^dk_[0-9a-f]{64}$/);
  assert.equal(created.role, 'user');
  assert.equal(created.prefix, created.key.slice(0, 11));
  const digest = createHash('sha256').update(created.key).digest('hex');
  assert.equal(one(`select count(*) from api_keys where id = ${created.id} and key_sha256 = '${digest}'`), '1');
  const rows = sql(database, `select x::text from api_keys x`).map((r) => r[0]).join('\n');
  assert.ok(!rows.includes(created.key.slice(3)), 'the secret itself is stored nowhere');

  const listed = await a.call('GET', '/api/v1/api-keys');
  assert.equal(listed.status, 200);
  assert.ok(listed.json.items.some((k) => k.id === created.id && k.name === 'script'));
  assert.ok(listed.json.items.every((k) => !('key' in k)));
  assert.ok(!listed.text.includes(created.key.slice(3)));

  const script = new Api(dialerd.url, created.key);
  const me = await script.must(200, 'GET', '/api/v1/auth/me');
  assert.equal(me.tenant_id, a.tenantId);
  assert.equal(me.role, 'user');
  assert.equal(me.is_admin, false);
  assert.equal(me.api_key_id, created.id);
  const agent = await script.must(201, 'POST', '/api/v1/agents', { name: 'by key', retell_agent_id: 'agent_k' });
  await a.must(204, 'DELETE', `/api/v1/agents/${agent.id}`);

  const admin = await a.must(201, 'POST', '/api/v1/api-keys', { name: 'ops', role: 'admin' });
  const adminKey = new Api(dialerd.url, admin.key);
  assert.equal((await adminKey.must(200, 'GET', '/api/v1/api-keys')).total >= 4, true);

  await refusedWithoutChange([
    [a, 'POST', '/api/v1/api-keys', { role: 'root' }, 400, 'VALIDATION_ERROR'],
    [a, 'POST', '/api/v1/api-keys', { name: 7 }, 400, 'VALIDATION_ERROR'],
    [a, 'POST', '/api/v1/api-keys', 'nope', 400, 'MALFORMED_JSON'],
    [script, 'POST', '/api/v1/api-keys', {}, 403, 'PERMISSION_DENIED'],
    [script, 'GET', '/api/v1/api-keys', undefined, 403, 'PERMISSION_DENIED'],
    [script, 'DELETE', `/api/v1/api-keys/${created.id}`, undefined, 403, 'PERMISSION_DENIED'],
    [viewer, 'POST', '/api/v1/api-keys', {}, 403, 'PERMISSION_DENIED'],
    [b, 'DELETE', `/api/v1/api-keys/${created.id}`, undefined, 404, 'API_KEY_NOT_FOUND'],
    [a, 'DELETE', '/api/v1/api-keys/999999', undefined, 404, 'API_KEY_NOT_FOUND'],
    [a, 'DELETE', '/api/v1/api-keys/abc', undefined, 404, 'API_KEY_NOT_FOUND'],
    [new Api(dialerd.url, `dk_${'0'.repeat(64)}`), 'GET', '/api/v1/agents', undefined, 401, 'UNAUTHENTICATED'],
  ]);
  assert.equal((await b.must(200, 'GET', '/api/v1/api-keys')).total, 0);

  await a.must(204, 'DELETE', `/api/v1/api-keys/${created.id}`);
  assertError(await script.call('GET', '/api/v1/agents'), 401, 'UNAUTHENTICATED', 'revoked key');
  assertError(await a.call('DELETE', `/api/v1/api-keys/${created.id}`), 404, 'API_KEY_NOT_FOUND', 'deleted twice');
});

test('a viewer reads everything of its tenant and every write is 403 and changes nothing', async () => {
  // A viewer user, inserted as an admin tool would, logs in like anyone else.
  const salt = randomBytes(16).toString('hex');
  const hash = `pbkdf2-sha256$1000$${pbkdf2Sync('viewer password', salt, 1000, 32, 'sha256').toString('hex')}`;
  const email = `viewer-${randomBytes(3).toString('hex')}@example.com`;
  sql(database, `insert into users (tenant_id, email, name, password_hash, password_salt, role)
    values (${a.tenantId}, '${email}', 'Viewer', '${hash}', '${salt}', 'viewer')`);
  const login = await new Api(dialerd.url).must(200, 'POST', '/api/v1/auth/login', { email, password: 'viewer password' });
  assert.equal(login.role, 'viewer');
  assert.equal(login.is_admin, false);
  const viewerUser = new Api(dialerd.url, login.token);
  assert.equal((await viewerUser.must(200, 'GET', '/api/v1/auth/me')).role, 'viewer');

  for (const client of [viewer, viewerUser]) {
    for (const path of ['/api/v1/agents', `/api/v1/agents/${ids.agent}`, '/api/v1/numbers', '/api/v1/leads',
      `/api/v1/leads/${ids.lead}/calls`, `/api/v1/campaigns/${ids.campaign}`, `/api/v1/campaigns/${ids.campaign}/stats`,
      '/api/v1/calls', '/api/v1/settings/provider', '/api/v1/metrics/daily', '/api/v1/metrics/outcomes',
      '/api/v1/metrics/concurrency', '/api/v1/metrics/cost/today']) {
      const r = await client.call('GET', path);
      assert.equal(r.status, 200, `viewer GET ${path}: ${r.text}`);
    }
    await refusedWithoutChange([
      [client, 'POST', '/api/v1/agents', { name: 'x', retell_agent_id: 'y' }, 403, 'PERMISSION_DENIED'],
      [client, 'PATCH', `/api/v1/agents/${ids.agent}`, { name: 'x' }, 403, 'PERMISSION_DENIED'],
      [client, 'DELETE', `/api/v1/agents/${ids.agent}`, undefined, 403, 'PERMISSION_DENIED'],
      [client, 'POST', '/api/v1/numbers', { e164: '+14155550999' }, 403, 'PERMISSION_DENIED'],
      [client, 'DELETE', `/api/v1/numbers/${ids.number}`, undefined, 403, 'PERMISSION_DENIED'],
      [client, 'POST', '/api/v1/leads', { phone: '+12125550999' }, 403, 'PERMISSION_DENIED'],
      [client, 'PATCH', `/api/v1/leads/${ids.lead}`, { name: 'x' }, 403, 'PERMISSION_DENIED'],
      [client, 'DELETE', `/api/v1/leads/${ids.lead}`, undefined, 403, 'PERMISSION_DENIED'],
      [client, 'POST', `/api/v1/leads/bulk-import?campaign_id=${ids.campaign}`, 'phone\n+12125550998\n', 403,
        'PERMISSION_DENIED', { 'content-type': 'text/csv' }],
      [client, 'POST', '/api/v1/campaigns', { name: 'c' }, 403, 'PERMISSION_DENIED'],
      [client, 'PATCH', `/api/v1/campaigns/${ids.campaign}`, { name: 'x' }, 403, 'PERMISSION_DENIED'],
      [client, 'POST', `/api/v1/campaigns/${ids.campaign}/start`, undefined, 403, 'PERMISSION_DENIED'],
      [client, 'POST', `/api/v1/campaigns/${ids.campaign}/stop`, undefined, 403, 'PERMISSION_DENIED'],
      [client, 'PUT', '/api/v1/settings/provider', { retell_api_key: 'key_viewer_x' }, 403, 'PERMISSION_DENIED'],
      [client, 'POST', '/api/v1/api-keys', {}, 403, 'PERMISSION_DENIED'],
      [client, 'GET', '/api/v1/api-keys', undefined, 403, 'PERMISSION_DENIED'],
    ]);
  }
});

test('provider settings: the key is never returned; the tenant webhook path checks the tenant key', async () => {
  const hook = one(`select webhook_hook_id from tenants where id = ${a.tenantId}`);
  const path = `/api/v1/webhooks/retell/${hook}`;
  const initial = await a.must(200, 'GET', '/api/v1/settings/provider');
  assert.deepEqual(initial, { retell_api_key_set: false, account: 'platform', retell_base_url: null,
    webhook_url_path: path });

  const callId = `call_own_${randomBytes(4).toString('hex')}`;
  const attempt = journalledCall(a.tenantId, ids.campaign, ids.lead, callId, { cost: 42 });
  const body = JSON.stringify({ event: 'call_ended', call: { call_id: callId, call_status: 'ended',
    disconnection_reason: 'user_hangup', metadata: { attempt_id: String(attempt) } } });
  const inbox = () => one(`select count(*) from webhook_events where provider_call_id = '${callId}'`);

  // Without its own key a tenant has no webhook path.
  let r = await postWebhook(path, body, sign(body, platformKey));
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'RESOURCE_NOT_FOUND');
  r = await postWebhook('/api/v1/webhooks/retell/nosuchhook', body, sign(body, platformKey));
  assert.equal(r.status, 404);

  await refusedWithoutChange([
    [a, 'PUT', '/api/v1/settings/provider', {}, 400, 'VALIDATION_ERROR'],
    [a, 'PUT', '/api/v1/settings/provider', { retell_api_key: 5 }, 400, 'VALIDATION_ERROR'],
    [a, 'PUT', '/api/v1/settings/provider', { retell_api_key: 'short' }, 400, 'VALIDATION_ERROR'],
    [a, 'PUT', '/api/v1/settings/provider', { retell_api_key: 'key with spaces' }, 400, 'VALIDATION_ERROR'],
    [a, 'PUT', '/api/v1/settings/provider', { retell_api_key: 'key_tenant_a', retell_base_url: 'ftp://x' }, 400, 'VALIDATION_ERROR'],
    [a, 'PUT', '/api/v1/settings/provider', '{"retell_api_key":', 400, 'MALFORMED_JSON'],
    [member, 'PUT', '/api/v1/settings/provider', { retell_api_key: 'key_tenant_a' }, 403, 'PERMISSION_DENIED'],
  ]);

  const tenantKey = `key_tenant_a_${randomBytes(6).toString('hex')}`;
  const put = await a.call('PUT', '/api/v1/settings/provider', { retell_api_key: tenantKey, retell_base_url: 'https://retell.example/' });
  assert.equal(put.status, 200, put.text);
  assert.ok(!put.text.includes(tenantKey));
  const got = await a.call('GET', '/api/v1/settings/provider');
  assert.deepEqual(got.json, { retell_api_key_set: true, account: 'own', retell_base_url: 'https://retell.example',
    webhook_url_path: path });
  assert.ok(!got.text.includes(tenantKey));
  assert.equal((await member.must(200, 'GET', '/api/v1/settings/provider')).account, 'own');
  assert.equal((await b.must(200, 'GET', '/api/v1/settings/provider')).account, 'platform', "B sees its own settings");

  // Signed with the platform key, or tampered: refused on the tenant path, nothing stored.
  for (const [payload, signature, why] of [
    [body, sign(body, platformKey), 'platform key on the tenant path'],
    [body.replace('ended', 'ENDED'), sign(body, tenantKey), 'tampered'],
    [body, sign(body, tenantKey, Date.now() - 10 * 60 * 1000), 'stale'],
  ]) {
    r = await postWebhook(path, payload, signature);
    assert.equal(r.status, 401, why);
    assert.equal((await r.json()).error.code, 'INVALID_SIGNATURE', why);
    assert.equal(inbox(), '0', why);
  }
  // The tenant key does not open the platform path either.
  r = await postWebhook('/api/v1/webhooks/retell', body, sign(body, tenantKey));
  assert.equal(r.status, 401);

  r = await postWebhook(path, body, sign(body, tenantKey));
  assert.equal(r.status, 204);
  assert.equal(inbox(), '1');
  r = await postWebhook(path, body, sign(body, tenantKey));
  assert.equal(r.status, 204, 'duplicate');
  assert.equal(inbox(), '1');

  // Another tenant's call, even well signed with A's key, is not stored through A's path.
  const bAgent = await b.must(201, 'POST', '/api/v1/agents', { name: 'B agent', retell_agent_id: 'agent_b' });
  await b.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550222' });
  const bCampaign = await b.must(201, 'POST', '/api/v1/campaigns', { name: 'B', agent_id: bAgent.id, from_number: '+14155550222' });
  const bLead = await b.must(201, 'POST', '/api/v1/leads', { phone: '+12125550200', campaign_id: bCampaign.id });
  const bCall = `call_b_${randomBytes(4).toString('hex')}`;
  const bAttempt = journalledCall(b.tenantId, bCampaign.id, bLead.id, bCall);
  const foreign = JSON.stringify({ event: 'call_ended', call: { call_id: bCall, call_status: 'ended',
    metadata: { attempt_id: String(bAttempt) } } });
  r = await postWebhook(path, foreign, sign(foreign, tenantKey));
  assert.equal(r.status, 204);
  assert.equal(one(`select count(*) from webhook_events where provider_call_id = '${bCall}'`), '0');

  // Back to the platform account: the tenant path is gone again.
  const cleared = await a.must(200, 'PUT', '/api/v1/settings/provider', { retell_api_key: null });
  assert.equal(cleared.account, 'platform');
  assert.equal(cleared.retell_api_key_set, false);
  r = await postWebhook(path, body, sign(body, tenantKey));
  assert.equal(r.status, 404);
});

test('agents and numbers: PATCH and DELETE', async () => {
  const patched = await a.must(200, 'PATCH', `/api/v1/agents/${ids.agent}`, { name: 'Renamed', voice_id: 'voice_2' });
  assert.equal(patched.name, 'Renamed');
  assert.equal(patched.voice_id, 'voice_2');
  assert.equal(patched.retell_agent_id, 'agent_a');
  const unchanged = await a.must(200, 'PATCH', `/api/v1/agents/${ids.agent}`, {});
  assert.equal(unchanged.name, 'Renamed');
  const spareAgent = await a.must(201, 'POST', '/api/v1/agents', { name: 'Spare', retell_agent_id: 'agent_spare' });
  const spareNumber = await a.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550188' });

  await refusedWithoutChange([
    [a, 'PATCH', `/api/v1/agents/${ids.agent}`, 'nope', 400, 'MALFORMED_JSON'],
    [a, 'PATCH', `/api/v1/agents/${ids.agent}`, { name: '' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/agents/${ids.agent}`, { name: null }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/agents/${ids.agent}`, { retell_agent_id: 7 }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/agents/${ids.agent}`, { lang: 'x'.repeat(40) }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', '/api/v1/agents/999999', { name: 'x' }, 404, 'AGENT_NOT_FOUND'],
    [a, 'PATCH', '/api/v1/agents/abc', { name: 'x' }, 404, 'AGENT_NOT_FOUND'],
    [a, 'DELETE', `/api/v1/agents/${ids.agent}`, undefined, 409, 'CONFLICT'],
    [a, 'DELETE', '/api/v1/agents/999999', undefined, 404, 'AGENT_NOT_FOUND'],
    [a, 'DELETE', `/api/v1/numbers/${ids.number}`, undefined, 409, 'CONFLICT'],
    [a, 'DELETE', '/api/v1/numbers/999999', undefined, 404, 'NUMBER_NOT_FOUND'],
    [a, 'DELETE', '/api/v1/numbers/0', undefined, 404, 'NUMBER_NOT_FOUND'],
    [b, 'PATCH', `/api/v1/agents/${ids.agent}`, { name: 'stolen' }, 404, 'AGENT_NOT_FOUND'],
    [b, 'DELETE', `/api/v1/agents/${spareAgent.id}`, undefined, 404, 'AGENT_NOT_FOUND'],
    [b, 'DELETE', `/api/v1/numbers/${spareNumber.id}`, undefined, 404, 'NUMBER_NOT_FOUND'],
  ]);

  await a.must(204, 'DELETE', `/api/v1/agents/${spareAgent.id}`);
  assertError(await a.call('GET', `/api/v1/agents/${spareAgent.id}`), 404, 'AGENT_NOT_FOUND', 'deleted agent');
  assertError(await a.call('DELETE', `/api/v1/agents/${spareAgent.id}`), 404, 'AGENT_NOT_FOUND', 'deleted twice');
  await member.must(204, 'DELETE', `/api/v1/numbers/${spareNumber.id}`);
  assertError(await a.call('GET', `/api/v1/numbers/${spareNumber.id}`), 404, 'NUMBER_NOT_FOUND', 'deleted number');
});

test('leads: PATCH, DELETE and their calls', async () => {
  const lead = await a.must(201, 'POST', '/api/v1/leads', { phone: '+12125550301', campaign_id: ids.campaign, name: 'Ada' });
  const other = await a.must(201, 'POST', '/api/v1/leads', { phone: '+12125550302', campaign_id: ids.campaign });
  const patched = await a.must(200, 'PATCH', `/api/v1/leads/${lead.id}`,
    { name: 'Grace', consent_status: 'denied', metadata: { crm: 1 }, priority: 5 });
  assert.equal(patched.name, 'Grace');
  assert.equal(patched.consent_status, 'denied');
  assert.deepEqual(patched.metadata, { crm: 1 });
  assert.equal(patched.priority, 5);
  assert.equal(patched.phone, '+12125550301');
  const detached = await a.must(200, 'PATCH', `/api/v1/leads/${lead.id}`, { campaign_id: null });
  assert.equal(detached.campaign_id, null);
  assert.equal((await a.must(200, 'PATCH', `/api/v1/leads/${lead.id}`, { campaign_id: ids.campaign })).campaign_id, ids.campaign);

  sql(database, `update leads set status = 'in_progress' where id = ${other.id}`);
  await refusedWithoutChange([
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, '{', 400, 'MALFORMED_JSON'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { phone: '555-1234' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { email: 'bad' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { nature: 'b2x' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { priority: 'high' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { country_iso: 'usa' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { campaign_id: 999999 }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/leads/${lead.id}`, { phone: '+12125550302' }, 409, 'CONFLICT'],
    [a, 'PATCH', `/api/v1/leads/${other.id}`, { name: 'busy' }, 409, 'INVALID_STATE'],
    [a, 'DELETE', `/api/v1/leads/${other.id}`, undefined, 409, 'INVALID_STATE'],
    [a, 'PATCH', '/api/v1/leads/999999', { name: 'x' }, 404, 'LEAD_NOT_FOUND'],
    [a, 'DELETE', '/api/v1/leads/999999', undefined, 404, 'LEAD_NOT_FOUND'],
    [a, 'GET', '/api/v1/leads/999999/calls', undefined, 404, 'LEAD_NOT_FOUND'],
    [a, 'GET', `/api/v1/leads/${lead.id}/calls?limit=0`, undefined, 400, 'VALIDATION_ERROR'],
    [b, 'PATCH', `/api/v1/leads/${lead.id}`, { name: 'stolen' }, 404, 'LEAD_NOT_FOUND'],
    [b, 'DELETE', `/api/v1/leads/${lead.id}`, undefined, 404, 'LEAD_NOT_FOUND'],
    [b, 'GET', `/api/v1/leads/${ids.lead}/calls`, undefined, 404, 'LEAD_NOT_FOUND'],
  ]);
  sql(database, `update leads set status = 'pending' where id = ${other.id}`);

  // A called lead keeps its call history: listed under the lead, and not deletable.
  const callId = `call_lead_${randomBytes(4).toString('hex')}`;
  const attempt = journalledCall(a.tenantId, ids.campaign, other.id, callId, { cost: 7, disposition: 'busy' });
  const calls = await a.must(200, 'GET', `/api/v1/leads/${other.id}/calls`);
  assert.equal(calls.total, 1);
  assert.equal(calls.items[0].id, attempt);
  assert.equal(calls.items[0].provider_call_id, callId);
  assert.equal(calls.items[0].disposition, 'busy');
  assert.equal((await a.must(200, 'GET', `/api/v1/leads/${lead.id}/calls?limit=5`)).total, 0);
  await refusedWithoutChange([[a, 'DELETE', `/api/v1/leads/${other.id}`, undefined, 409, 'CONFLICT']]);

  await a.must(204, 'DELETE', `/api/v1/leads/${lead.id}`);
  assertError(await a.call('GET', `/api/v1/leads/${lead.id}`), 404, 'LEAD_NOT_FOUND', 'deleted lead');
  assertError(await a.call('DELETE', `/api/v1/leads/${lead.id}`), 404, 'LEAD_NOT_FOUND', 'deleted twice');
});

test('campaigns: PATCH only while draft or paused', async () => {
  const c = await a.must(201, 'POST', '/api/v1/campaigns', { name: 'Patchable', agent_id: ids.agent, from_number: '+14155550111' });
  const patched = await a.must(200, 'PATCH', `/api/v1/campaigns/${c.id}`, {
    name: 'Renamed', max_concurrent_calls: 3, retry: { busy_s: 60 }, budget_cents: 500,
    start_date: '2030-01-01T09:00:00Z', quiet_hours: { weekdays: ['09:00-17:00'] } });
  assert.equal(patched.name, 'Renamed');
  assert.equal(patched.max_concurrent_calls, 3);
  assert.equal(patched.retry.busy_s, 60);
  assert.equal(patched.retry.no_answer_s, c.retry.no_answer_s);
  assert.equal(patched.budget_cents, 500);
  assert.equal(patched.start_date, '2030-01-01T09:00:00Z');
  assert.deepEqual(patched.quiet_hours, { weekdays: ['09:00-17:00'] });
  assert.equal(patched.status, 'draft');
  const cleared = await a.must(200, 'PATCH', `/api/v1/campaigns/${c.id}`, { budget_cents: null, start_date: null });
  assert.equal(cleared.budget_cents, null);
  assert.equal(cleared.start_date, null);

  await refusedWithoutChange([
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, 'nope', 400, 'MALFORMED_JSON'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { name: '' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { max_concurrent_calls: 0 }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { agent_id: 999999 }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { from_number: '+19998887777' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { start_date: 'tomorrow' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { start_date: '2030-02-01T00:00:00Z', end_date: '2030-01-01T00:00:00Z' }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { retry: { busy_s: -1 } }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', `/api/v1/campaigns/${c.id}`, { retry: 5 }, 400, 'VALIDATION_ERROR'],
    [a, 'PATCH', '/api/v1/campaigns/999999', { name: 'x' }, 404, 'CAMPAIGN_NOT_FOUND'],
    [b, 'PATCH', `/api/v1/campaigns/${c.id}`, { name: 'stolen' }, 404, 'CAMPAIGN_NOT_FOUND'],
  ]);

  // The status is set straight in the database so that no campaign actor starts pacing.
  for (const [status, expected] of [['scheduled', 409], ['running', 409], ['paused', 200], ['completed', 409], ['cancelled', 409]]) {
    sql(database, `update campaigns set status = '${status}' where id = ${c.id}`);
    if (expected === 200) {
      const r = await a.must(200, 'PATCH', `/api/v1/campaigns/${c.id}`, { max_concurrent_calls: 4 });
      assert.equal(r.status, 'paused');
      assert.equal(r.max_concurrent_calls, 4);
    } else {
      await refusedWithoutChange([[a, 'PATCH', `/api/v1/campaigns/${c.id}`, { name: 'late' }, 409, 'INVALID_STATE']]);
    }
  }
});

test('bulk import: bad rows are reported by line and never block the good ones', async () => {
  const c = await a.must(201, 'POST', '/api/v1/campaigns', { name: 'Import', agent_id: ids.agent, from_number: '+14155550111' });
  await a.must(201, 'POST', '/api/v1/leads', { phone: '+13125550100', campaign_id: c.id });
  const csv = [
    '\ufeffPhone,Name,Email,Nature,Priority,Consent Status,crm_id',          // 1: header (BOM, odd case, unknown column)
    '+13125550101,"Smith, John",john@example.com,b2b,5,granted,A-1',          // 2: good
    '+13125550102,"Multi',                                                     // 3: good, quoted line break
    'line",,b2c,,unknown,A-2',                                                 // 4
    '555-1234,Bad Number,,,,,A-3',                                             // 5: bad phone
    '+13125550103,Bad Email,not-an-email,b2x,high,,A-4',                       // 6: three bad fields
    '+13125550101,Duplicate In File,,,,,A-5',                                  // 7: duplicate of line 2
    '+13125550100,Duplicate In Campaign,,,,,A-6',                              // 8: the campaign has it
    '+13125550104,Too,Many,Fields,1,2,3,4',                                    // 9: wrong width
    '+13125550105,"Stray"quote,,,,,A-7',                                       // 10: malformed quoting
    ',No Phone,,,,,A-8',                                                       // 11: missing phone
    '',                                                                        // 12: blank, skipped
    '+13125550106,Last,,,,,A-9',                                               // 13: good, no final break
  ].join('\r\n');
  const before = Number(one(`select count(*) from leads where campaign_id = ${c.id}`));
  const r = await a.call('POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, csv, { headers: { 'content-type': 'text/csv' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.imported, 3);
  assert.equal(r.json.failed, 7);
  assert.deepEqual(r.json.ignored_columns, ['crm_id']);
  const byLine = {};
  for (const e of r.json.errors) (byLine[e.line] ??= []).push(e.field);
  assert.deepEqual(byLine, {
    5: ['phone'], 6: ['email', 'nature', 'priority'], 7: ['phone'], 8: ['phone'], 9: ['row'], 10: ['row'], 11: ['phone'],
  });
  assert.match(r.json.errors.find((e) => e.line === 7).message, /duplicate/);
  assert.equal(Number(one(`select count(*) from leads where campaign_id = ${c.id}`)), before + 3);
  const john = sql(database, `select name, email, nature, priority, consent_status from leads where campaign_id = ${c.id} and phone = '+13125550101'`);
  assert.deepEqual(john, [['Smith, John', 'john@example.com', 'b2b', '5', 'granted']]);
  // psql prints rows one a line, so the line break inside is compared in SQL.
  assert.equal(one(`select name = E'Multi\\r\\nline' from leads where campaign_id = ${c.id} and phone = '+13125550102'`), 't');

  // The same file as a multipart upload: everything is a duplicate or bad now.
  const form = new FormData();
  form.append('note', 'ignored');
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'leads.csv');
  const multipart = await fetch(`${dialerd.url}/api/v1/leads/bulk-import?campaign_id=${c.id}`,
    { method: 'POST', body: form, headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(multipart.status, 200);
  const again = await multipart.json();
  assert.equal(again.imported, 0);
  assert.equal(again.failed, 10);

  // Leads without a campaign, by a user-role key.
  const free = await member.call('POST', '/api/v1/leads/bulk-import', 'phone\n+13125550199\n+13125550199\n',
    { headers: { 'content-type': 'text/csv; charset=utf-8' } });
  assert.equal(free.status, 200, free.text);
  assert.equal(free.json.imported, 1);
  assert.equal(free.json.failed, 1);
  assert.equal(free.json.campaign_id, null);

  const done = await a.must(201, 'POST', '/api/v1/campaigns', { name: 'Done', agent_id: ids.agent, from_number: '+14155550111' });
  await a.must(200, 'POST', `/api/v1/campaigns/${done.id}/stop`);
  const emptyForm = new FormData();
  emptyForm.append('other', 'x');
  const noFile = await fetch(`${dialerd.url}/api/v1/leads/bulk-import?campaign_id=${c.id}`,
    { method: 'POST', body: emptyForm, headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(noFile.status, 400);
  assert.equal((await noFile.json()).error.code, 'VALIDATION_ERROR');
  const csvType = { 'content-type': 'text/csv' };
  await refusedWithoutChange([
    [a, 'POST', '/api/v1/leads/bulk-import?campaign_id=abc', 'phone\n+13125550200\n', 400, 'VALIDATION_ERROR', csvType],
    [a, 'POST', '/api/v1/leads/bulk-import?campaign_id=999999', 'phone\n+13125550200\n', 404, 'CAMPAIGN_NOT_FOUND', csvType],
    [b, 'POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, 'phone\n+13125550200\n', 404, 'CAMPAIGN_NOT_FOUND', csvType],
    [a, 'POST', `/api/v1/leads/bulk-import?campaign_id=${done.id}`, 'phone\n+13125550200\n', 409, 'INVALID_STATE', csvType],
    [a, 'POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, 'name,email\nAda,a@example.com\n', 400, 'VALIDATION_ERROR', csvType],
    [a, 'POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, 'phone,name,Name\n+13125550200,a,b\n', 400, 'VALIDATION_ERROR', csvType],
    [a, 'POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, '', 400, 'VALIDATION_ERROR', csvType],
    [a, 'POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, '{"phone": "+13125550200"}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ]);
});

test('bulk import of 100,000 rows streams in batches', async (t) => {
  const c = await a.must(201, 'POST', '/api/v1/campaigns', { name: 'Big import', agent_id: ids.agent, from_number: '+14155550111' });
  const rows = ['phone,name,email,priority'];
  for (let i = 0; i < 100000; i++) rows.push(`+1${2000000000 + i},Lead ${i},lead${i}@example.com,${i % 10}`);
  const csv = rows.join('\n') + '\n';
  const started = Date.now();
  const r = await a.call('POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, csv, { headers: { 'content-type': 'text/csv' } });
  const elapsed = Date.now() - started;
  t.diagnostic(`100,000 rows (${(csv.length / 1e6).toFixed(1)} MB) imported in ${elapsed} ms`);
  console.log(`bulk import: 100,000 rows (${(csv.length / 1e6).toFixed(1)} MB) in ${elapsed} ms`);
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.equal(r.json.imported, 100000);
  assert.equal(r.json.failed, 0);
  assert.deepEqual(r.json.errors, []);
  assert.equal(one(`select count(*) from leads where campaign_id = ${c.id}`), '100000');
  assert.equal(one(`select count(distinct phone) from leads where campaign_id = ${c.id}`), '100000');

  const again = await a.call('POST', `/api/v1/leads/bulk-import?campaign_id=${c.id}`, csv, { headers: { 'content-type': 'text/csv' } });
  assert.equal(again.status, 200);
  assert.equal(again.json.imported, 0);
  assert.equal(again.json.failed, 100000);
  assert.equal(again.json.errors.length, 1000, 'errors listed are capped');
  assert.equal(again.json.errors_truncated, true);
  assert.equal(again.json.errors[0].line, 2);
  assert.equal(one(`select count(*) from leads where campaign_id = ${c.id}`), '100000');
});

test("the JSON summaries count the caller's tenant only", async () => {
  const expected = sql(database, `select count(*), coalesce(sum(k.cost_cents), 0),
      count(*) filter (where a.disposition = 'answered')
    from call_attempts a left join calls k on k.attempt_id = a.id
    where a.tenant_id = ${a.tenantId} and a.created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'`)[0].map(Number);
  assert.ok(expected[0] >= 2, 'earlier tests journalled calls for A');

  const daily = await a.must(200, 'GET', '/api/v1/metrics/daily?days=3');
  assert.equal(daily.items.length, 3);
  const today = daily.items[2];
  assert.equal(today.date, new Date().toISOString().slice(0, 10));
  assert.equal(today.calls, expected[0]);
  assert.equal(today.cost_cents, expected[1]);
  assert.equal(today.answered, expected[2]);
  assert.equal((await a.must(200, 'GET', '/api/v1/metrics/daily')).items.length, 7);

  const outcomes = await a.must(200, 'GET', '/api/v1/metrics/outcomes');
  assert.equal(outcomes.total, expected[0]);
  assert.equal(outcomes.dispositions.answered ?? 0, expected[2]);
  const ofCampaign = await a.must(200, 'GET', `/api/v1/metrics/outcomes?campaign_id=${ids.campaign}&from_date=2000-01-01T00:00:00Z`);
  assert.equal(ofCampaign.total, expected[0]);
  assert.equal((await a.must(200, 'GET', '/api/v1/metrics/outcomes?to_date=2000-01-01T00:00:00Z')).total, 0);

  const cost = await a.must(200, 'GET', '/api/v1/metrics/cost/today');
  assert.equal(cost.spent_cents, expected[1]);
  assert.equal(cost.calls, expected[0]);
  assert.ok(cost.month_to_date_cents >= expected[1]);
  assert.ok(cost.campaigns.some((x) => x.campaign_id === ids.campaign));

  sql(database, `update call_attempts set state = 'ongoing' where tenant_id = ${a.tenantId} and provider_call_id like 'call_own_%'`);
  const lines = await a.must(200, 'GET', '/api/v1/metrics/concurrency');
  assert.equal(lines.active_calls, 1);
  assert.equal(lines.campaigns.find((x) => x.campaign_id === ids.campaign).active_calls, 1);
  sql(database, `update call_attempts set state = 'ended' where tenant_id = ${a.tenantId} and provider_call_id like 'call_own_%'`);

  // B made one call (journalled in the webhook test); none of A's show up.
  const bDaily = await b.must(200, 'GET', '/api/v1/metrics/daily?days=1');
  assert.equal(bDaily.items[0].calls, 1);
  assert.equal(bDaily.items[0].cost_cents, 0);
  assert.equal((await b.must(200, 'GET', '/api/v1/metrics/outcomes')).total, 1);
  assert.equal((await b.must(200, 'GET', '/api/v1/metrics/cost/today')).spent_cents, 0);
  assert.equal((await b.must(200, 'GET', '/api/v1/metrics/concurrency')).active_calls, 0);

  await refusedWithoutChange([
    [a, 'GET', '/api/v1/metrics/daily?days=0', undefined, 400, 'VALIDATION_ERROR'],
    [a, 'GET', '/api/v1/metrics/daily?days=abc', undefined, 400, 'VALIDATION_ERROR'],
    [a, 'GET', '/api/v1/metrics/daily?days=367', undefined, 400, 'VALIDATION_ERROR'],
    [a, 'GET', '/api/v1/metrics/outcomes?from_date=yesterday', undefined, 400, 'VALIDATION_ERROR'],
    [a, 'GET', '/api/v1/metrics/outcomes?campaign_id=abc', undefined, 400, 'VALIDATION_ERROR'],
    [a, 'GET', '/api/v1/metrics/outcomes?campaign_id=999999', undefined, 404, 'CAMPAIGN_NOT_FOUND'],
    [b, 'GET', `/api/v1/metrics/outcomes?campaign_id=${ids.campaign}`, undefined, 404, 'CAMPAIGN_NOT_FOUND'],
    [new Api(dialerd.url), 'GET', '/api/v1/metrics/cost/today', undefined, 401, 'UNAUTHENTICATED'],
  ]);
});

test('/openapi.json lists exactly the routes dialerd serves', async () => {
  const r = await new Api(dialerd.url).call('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.0.3');
  const documented = [];
  for (const [path, operations] of Object.entries(r.json.paths)) {
    for (const method of Object.keys(operations)) documented.push(`${method.toUpperCase()} ${path}`);
  }

  const printed = spawnSync(binaries().dialerd, ['--print-routes'], {
    encoding: 'utf8', timeout: 30000,
    env: { ...process.env, DATABASE_URL: `dbname=${database}`, JWT_SECRET: jwtSecret, RETELL_API_KEY: platformKey },
  });
  assert.equal(printed.status, 0, printed.stderr);
  const served = printed.stdout.split('\n').filter((l) => /^(GET|POST|PUT|PATCH|DELETE) \//.test(l));
  assert.ok(served.length >= 40, printed.stdout);
  assert.deepEqual([...documented].sort(), [...served].sort());

  // Each documented route really answers (not the router's 404 or 405).
  const anon = new Api(dialerd.url);
  for (const route of served) {
    const [method, pattern] = route.split(' ');
    const path = pattern.replace('{id}', '999999').replace('{tenant_hook_id}', 'nohook');
    const res = await anon.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : '{}');
    assert.notEqual(res.status, 405, route);
    assert.ok(!(res.status === 404 && /^No resource at/.test(res.json?.error?.message ?? '')), `${route}: ${res.text}`);
  }
});

test('the per-tenant request rate: 429 with Retry-After, other tenants unaffected', async () => {
  const db = createDatabase('dialer_rate');
  const limited = await dialerdOn(db, { tenant_requests_per_second: 2, tenant_request_burst: 3 });
  const noisy = await registerTenant(limited.url, 'Noisy');
  const quiet = await registerTenant(limited.url, 'Quiet');
  const key = await noisy.must(201, 'POST', '/api/v1/api-keys', { name: 'k' });
  const noisyKey = new Api(limited.url, key.key);

  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    (i % 2 ? noisy : noisyKey).call('GET', '/api/v1/agents', undefined, { noRetry: true })));
  const limitedAnswers = answers.filter((x) => x.status === 429);
  assert.ok(limitedAnswers.length >= 6, `statuses ${answers.map((x) => x.status)}`);
  assert.ok(answers.every((x) => x.status === 200 || x.status === 429));
  for (const x of limitedAnswers) {
    assertError(x, 429, 'RATE_LIMIT_EXCEEDED', 'over the rate');
    assert.ok(Number(x.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
  }
  assert.equal((await quiet.call('GET', '/api/v1/agents', undefined, { noRetry: true })).status, 200,
    'another tenant is unaffected');
  const wait = Number(limitedAnswers[0].headers.get('retry-after'));
  await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
  assert.equal((await noisy.call('GET', '/api/v1/agents', undefined, { noRetry: true })).status, 200,
    'served again after Retry-After');
  // The harness's own client backs off as Retry-After says and gets through.
  const patient = await Promise.all(Array.from({ length: 6 }, () => noisy.call('GET', '/api/v1/agents')));
  assert.ok(patient.every((x) => x.status === 200), `statuses ${patient.map((x) => x.status)}`);
});
