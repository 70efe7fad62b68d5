// Bad input to every endpoint gets the API.md error shape and changes nothing; unknown and
// other tenants' ids get 404; wrong states get 409. Real dialerd + PostgreSQL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Api, createDatabase, registerTenant, sql, startDialerd } from '../../loadtest/driver/harness.mjs';

let database;
let dialerd;
let a;   // tenant A
let b;   // tenant B
let ids; // tenant A's resources

/** Every row count the API could change: compared before and after each bad request. */
function snapshot() {
  const tables = ['tenants', 'users', 'agents', 'phone_numbers', 'leads', 'campaigns', 'call_attempts', 'webhook_events'];
  const counts = tables.map((t) => `(select count(*) from ${t})`).join(', ');
  const [row] = sql(database, `select ${counts}, (select coalesce(string_agg(id || ':' || status, ',' order by id), '') from campaigns)`);
  return Object.fromEntries([...tables, 'campaign_status'].map((name, i) => [name, row[i] ?? '']));
}

function assertError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.ok(r.json && r.json.error, `${what}: no error object in ${r.text}`);
  assert.equal(r.json.error.code, code, what);
  assert.equal(typeof r.json.error.message, 'string', what);
  assert.ok(r.json.error.request_id?.startsWith('req_') || r.json.error.request_id, what);
  assert.equal(r.headers.get('x-request-id'), r.json.error.request_id, `${what}: X-Request-Id`);
}

before(async () => {
  database = createDatabase('dialer_api');
  dialerd = await startDialerd({ database, retellBaseUrl: 'http://127.0.0.1:9', apiKey: 'key_unused',
    jwtSecret: randomBytes(24).toString('hex') });
  a = await registerTenant(dialerd.url, 'Tenant A');
  b = await registerTenant(dialerd.url, 'Tenant B');
  const agent = await a.must(201, 'POST', '/api/v1/agents', { name: 'A agent', retell_agent_id: 'agent_a' });
  const number = await a.must(201, 'POST', '/api/v1/numbers', { e164: '+14155550111' });
  const campaign = await a.must(201, 'POST', '/api/v1/campaigns',
    { name: 'A campaign', agent_id: agent.id, from_number: '+14155550111', max_concurrent_calls: 2 });
  const lead = await a.must(201, 'POST', '/api/v1/leads', { phone: '+12125550100', campaign_id: campaign.id });
  ids = { agent: agent.id, number: number.id, campaign: campaign.id, lead: lead.id };
});

after(async () => {
  await dialerd?.stop();
});

test('operations endpoints answer', async () => {
  const anon = new Api(dialerd.url);
  assert.equal((await anon.call('GET', '/healthz')).status, 200);
  const ready = await anon.call('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json, { database: true, actors: true });
  const metrics = await anon.call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /^dialer_account_lines_in_use\{account="platform"\} 0$/m);
  assert.match(metrics.text, /^dialer_actor_restarts_total\{kind="campaign"\} 0$/m);
});

test('every endpoint refuses bad input with the error shape and changes nothing', async () => {
  const cases = [
    ['POST', '/api/v1/auth/register', '{"email": ', 400, 'MALFORMED_JSON'],
    ['POST', '/api/v1/auth/register', [1, 2], 400, 'MALFORMED_JSON'],
    ['POST', '/api/v1/auth/register', { email: 'nope', password: 'short', name: 'x', company: 'y' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/auth/register', { email: 42, password: 'long enough pw', name: 'x', company: 'y' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/auth/register', { email: a.email, password: 'long enough pw', name: 'x', company: 'y' }, 409, 'CONFLICT'],
    ['POST', '/api/v1/auth/login', { email: a.email, password: 'wrong password' }, 401, 'UNAUTHENTICATED'],
    ['POST', '/api/v1/auth/login', { email: a.email }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/agents', 'not json', 400, 'MALFORMED_JSON'],
    ['POST', '/api/v1/agents', { name: '' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/agents', { name: 'n', retell_agent_id: 7 }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/numbers', { e164: '4155550111' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/numbers', { e164: '+14155550112', calls_per_second: 1001 }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/numbers', { e164: '+14155550112', calls_per_second: 0 }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/numbers', { e164: '+14155550111' }, 409, 'CONFLICT'],
    ['POST', '/api/v1/leads', '{', 400, 'MALFORMED_JSON'],
    ['POST', '/api/v1/leads', { phone: '555-1234' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/leads', { phone: '+12125550101', email: 'bad', nature: 'b2x', priority: 'high' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/leads', { phone: '+12125550101', campaign_id: 999999 }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/leads', [{ phone: '+12125550102' }, { phone: 'bad' }], 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/leads', [], 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/leads?limit=0', undefined, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/leads?status=nope', undefined, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/campaigns', { name: 'c' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/campaigns', { name: 'c', agent_id: ids.agent, from_number: '+19998887777' }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/campaigns', { name: 'c', agent_id: ids.agent, from_number: '+14155550111', max_concurrent_calls: 0 }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/campaigns', { name: 'c', agent_id: ids.agent, from_number: '+14155550111', retry: { busy_s: -1 } }, 400, 'VALIDATION_ERROR'],
    ['POST', '/api/v1/campaigns', { name: 'c', agent_id: ids.agent, from_number: '+14155550111', start_date: 'tomorrow' }, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/campaigns?status=flying', undefined, 400, 'VALIDATION_ERROR'],
    ['POST', `/api/v1/campaigns/${ids.campaign}/pause`, undefined, 409, 'INVALID_STATE'],
    ['POST', `/api/v1/campaigns/${ids.campaign}/resume`, undefined, 409, 'INVALID_STATE'],
    ['GET', '/api/v1/calls?from_date=yesterday', undefined, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/calls?campaign_id=abc', undefined, 400, 'VALIDATION_ERROR'],
    ['GET', '/api/v1/agents/999999', undefined, 404, 'AGENT_NOT_FOUND'],
    ['GET', '/api/v1/agents/abc', undefined, 404, 'AGENT_NOT_FOUND'],
    ['GET', '/api/v1/numbers/999999', undefined, 404, 'NUMBER_NOT_FOUND'],
    ['GET', '/api/v1/leads/999999', undefined, 404, 'LEAD_NOT_FOUND'],
    ['GET', '/api/v1/campaigns/999999', undefined, 404, 'CAMPAIGN_NOT_FOUND'],
    ['POST', '/api/v1/campaigns/999999/start', undefined, 404, 'CAMPAIGN_NOT_FOUND'],
    ['GET', '/api/v1/campaigns/999999/stats', undefined, 404, 'CAMPAIGN_NOT_FOUND'],
    ['GET', '/api/v1/calls/999999', undefined, 404, 'CALL_NOT_FOUND'],
    ['GET', '/api/v1/nowhere', undefined, 404, 'RESOURCE_NOT_FOUND'],
    ['DELETE', '/api/v1/campaigns', undefined, 405, 'METHOD_NOT_ALLOWED'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const before = snapshot();
    const r = await a.call(method, path, body);
    assertError(r, status, code, `${method} ${path} ${JSON.stringify(body)}`);
    assert.deepEqual(snapshot(), before, `${method} ${path} changed something`);
  }
});

test('requests without a valid token get 401 and change nothing', async () => {
  const anon = new Api(dialerd.url);
  const forged = new Api(dialerd.url, a.token.slice(0, -3) + 'abc');
  for (const client of [anon, forged]) {
    for (const [method, path, body] of [
      ['GET', '/api/v1/auth/me'], ['GET', '/api/v1/agents'], ['POST', '/api/v1/agents', { name: 'x', retell_agent_id: 'y' }],
      ['POST', '/api/v1/leads', { phone: '+12125550199' }], ['POST', `/api/v1/campaigns/${ids.campaign}/start`],
      ['GET', '/api/v1/calls'],
    ]) {
      const before = snapshot();
      assertError(await client.call(method, path, body), 401, 'UNAUTHENTICATED', `${method} ${path}`);
      assert.deepEqual(snapshot(), before);
    }
  }
});

test("another tenant's ids are 404 and nothing changes", async () => {
  for (const [method, path, code] of [
    ['GET', `/api/v1/agents/${ids.agent}`, 'AGENT_NOT_FOUND'],
    ['GET', `/api/v1/numbers/${ids.number}`, 'NUMBER_NOT_FOUND'],
    ['GET', `/api/v1/leads/${ids.lead}`, 'LEAD_NOT_FOUND'],
    ['GET', `/api/v1/campaigns/${ids.campaign}`, 'CAMPAIGN_NOT_FOUND'],
    ['GET', `/api/v1/campaigns/${ids.campaign}/stats`, 'CAMPAIGN_NOT_FOUND'],
    ['POST', `/api/v1/campaigns/${ids.campaign}/start`, 'CAMPAIGN_NOT_FOUND'],
    ['POST', `/api/v1/campaigns/${ids.campaign}/stop`, 'CAMPAIGN_NOT_FOUND'],
  ]) {
    const before = snapshot();
    assertError(await b.call(method, path), 404, code, `B ${method} ${path}`);
    assert.deepEqual(snapshot(), before);
  }
  const leadsOfB = await b.must(200, 'GET', '/api/v1/leads');
  assert.equal(leadsOfB.total, 0);
  const campaignsOfB = await b.must(200, 'GET', '/api/v1/campaigns');
  assert.equal(campaignsOfB.total, 0);
  // B cannot attach a lead to A's campaign.
  assertError(await b.call('POST', '/api/v1/leads', { phone: '+12125550150', campaign_id: ids.campaign }),
    400, 'VALIDATION_ERROR', 'B lead into A campaign');
});

test('the happy paths answer with the stored resources', async () => {
  const me = await a.must(200, 'GET', '/api/v1/auth/me');
  assert.equal(me.tenant_id, a.tenantId);
  assert.equal(me.is_admin, true);
  const login = await new Api(dialerd.url).must(200, 'POST', '/api/v1/auth/login', { email: a.email, password: 'correct horse battery' });
  assert.equal(login.tenant_id, a.tenantId);
  const agent = await a.must(200, 'GET', `/api/v1/agents/${ids.agent}`);
  assert.equal(agent.retell_agent_id, 'agent_a');
  const lead = await a.must(200, 'GET', `/api/v1/leads/${ids.lead}`);
  assert.equal(lead.phone, '+12125550100');
  assert.equal(lead.status, 'pending');
  const list = await a.must(200, 'GET', `/api/v1/leads?campaign_id=${ids.campaign}&q=555`);
  assert.equal(list.total, 1);
  const campaign = await a.must(200, 'GET', `/api/v1/campaigns/${ids.campaign}`);
  assert.equal(campaign.status, 'draft');
  assert.equal(campaign.max_concurrent_calls, 2);
  const stats = await a.must(200, 'GET', `/api/v1/campaigns/${ids.campaign}/stats`);
  assert.equal(stats.total_leads, 1);
  // A stopped campaign cannot be started again.
  const stopped = await a.must(200, 'POST', `/api/v1/campaigns/${ids.campaign}/stop`);
  assert.equal(stopped.status, 'cancelled');
  assertError(await a.call('POST', `/api/v1/campaigns/${ids.campaign}/start`), 409, 'INVALID_STATE', 'start cancelled');
});

test('an oversized body gets 413 and changes nothing', async () => {
  const before = snapshot();
  const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), retell_agent_id: 'y' });
  const r = await a.call('POST', '/api/v1/agents', huge);
  assert.equal(r.status, 413);
  assert.equal(r.json?.error?.code, 'PAYLOAD_TOO_LARGE');
  assert.deepEqual(snapshot(), before);
});

test('dialerd refuses to start on unknown keys or bad values, naming each', async () => {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { binaries, repoRoot } = await import('../../loadtest/driver/harness.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'dialerd-config-'));
  const file = join(dir, 'bad.toml');
  writeFileSync(file, 'listen = "127.0.0.1:0"\nlog_levl = "info"\n[engine]\nhopper_batch = 0\n');
  const r = spawnSync(binaries().dialerd, ['--config', file], {
    encoding: 'utf8', timeout: 20000,
    env: { ...process.env, DATABASE_URL: `dbname=${database}`, JWT_SECRET: 'x'.repeat(32), RETELL_API_KEY: 'k',
      DIALER_LISTEN: 'not-an-address' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown configuration key 'log_levl'/);
  assert.match(r.stderr, /engine\.hopper_batch: must be between 1 and 10000/);
  assert.match(r.stderr, /DIALER_LISTEN: must be host:port/);
  const missing = spawnSync(binaries().dialerd, ['--config', join(dir, 'absent.toml')], { encoding: 'utf8', timeout: 20000 });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read configuration/);
  const example = spawnSync(binaries().dialerd,
    ['--config', join(repoRoot, 'config', 'dialerd.example.toml'), '--check-config'],
    { encoding: 'utf8', timeout: 20000, env: { PATH: process.env.PATH } });
  assert.equal(example.status, 0, example.stderr);
  assert.match(example.stdout, /configuration is valid/);
});
