// End to end: a tenant dials with its own provider account. Two simulators stand for two Retell
// accounts: dialerd's platform key is sim 1's; tenant A stores sim 2's URL and key with
// PUT /settings/provider and points sim 2's webhooks at its tenant webhook path; tenant B uses
// the platform. Each simulator's own record must show only its tenant's creates, both campaigns
// must end with outcomes from webhooks, and /metrics must show A's account lines. When A removes
// its key, its next campaign goes back to the platform account.

import './webcrypto.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createDatabase, registerTenant, setupCampaign, sql, startDialerd, startSim, waitFor,
  waitForCompletion,
} from '../../loadtest/driver/harness.mjs';

const platformKey = `key_platform_${randomBytes(6).toString('hex')}`;
const ownKey = `key_own_${randomBytes(8).toString('hex')}`;
const leadCount = 12;
const cap = 3;
let database;
let sim1;
let sim2;
let dialerd;
let a;
let b;

/** Tenant ids of the simulator's accepted creates, with how many each. */
async function createsByTenant(sim) {
  const record = await sim.record();
  const counts = {};
  for (const c of record.creates.filter((x) => x.accepted)) {
    counts[c.metadata.tenant_id] = (counts[c.metadata.tenant_id] || 0) + 1;
  }
  return counts;
}

before(async () => {
  database = createDatabase('dialer_own_account');
  // Different seeds: two accounts never hand out the same call ids.
  sim1 = await startSim({ apiKey: platformKey, timeScale: 600, mix: 'answered=100', extra: ['--seed', '11'] });
  sim2 = await startSim({ apiKey: ownKey, timeScale: 600, mix: 'answered=100', extra: ['--seed', '22'] });
  dialerd = await startDialerd({ database, retellBaseUrl: sim1.url, apiKey: platformKey,
    jwtSecret: randomBytes(24).toString('hex') });
  await sim1.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });
  a = await registerTenant(dialerd.url, 'Own Account A');
  b = await registerTenant(dialerd.url, 'Platform B');
});

after(async () => {
  await dialerd?.stop();
  await sim1?.stop();
  await sim2?.stop();
});

test('a tenant with its own key dials through its own account, the other through the platform', async () => {
  const settings = await a.must(200, 'PUT', '/api/v1/settings/provider',
    { retell_api_key: ownKey, retell_base_url: sim2.url });
  assert.equal(settings.account, 'own');
  assert.ok(!JSON.stringify(settings).includes(ownKey), 'the key is never returned');
  const shown = await a.must(200, 'GET', '/api/v1/settings/provider');
  assert.ok(!JSON.stringify(shown).includes(ownKey), 'the key is never returned');
  assert.match(shown.webhook_url_path, /^\/api\/v1\/webhooks\/retell\/.+/);
  await sim2.configure({ webhook_url: `${dialerd.url}${shown.webhook_url_path}` });

  const setA = await setupCampaign(a, { leadCount, cap, name: 'Own account campaign' });
  const setB = await setupCampaign(b, { leadCount, cap, name: 'Platform campaign' });
  await a.must(200, 'POST', `/api/v1/campaigns/${setA.campaign.id}/start`);
  await b.must(200, 'POST', `/api/v1/campaigns/${setB.campaign.id}/start`);

  // Once A's first call needs it, its own account has a lines gauge, labelled by tenant id.
  const ownGauge = new RegExp(`^dialer_account_lines_in_use\\{account="${a.tenantId}"\\} \\d+$`, 'm');
  const metricsText = await waitFor(async () => {
    const text = await (await fetch(`${dialerd.url}/metrics`)).text();
    return ownGauge.test(text) ? text : null;
  }, 30000, 'the own account\'s lines gauge');
  assert.match(metricsText, /dialer_account_lines_in_use\{account="platform"\} \d+/);
  assert.ok(!metricsText.includes(ownKey), 'the key is never a metric label');

  const statsA = await waitForCompletion(a, setA.campaign.id, 120000);
  const statsB = await waitForCompletion(b, setB.campaign.id, 120000);

  const onSim2 = await createsByTenant(sim2);
  const onSim1 = await createsByTenant(sim1);
  assert.deepEqual(onSim2, { [String(a.tenantId)]: leadCount }, 'sim 2 placed only A\'s calls, each once');
  assert.deepEqual(onSim1, { [String(b.tenantId)]: leadCount }, 'sim 1 placed only B\'s calls, each once');

  for (const [stats, name] of [[statsA, 'A'], [statsB, 'B']]) {
    assert.equal(stats.leads_terminal, leadCount, `${name}: every lead ended`);
    assert.equal(stats.dispositions.answered, leadCount, `${name}: ${JSON.stringify(stats.dispositions)}`);
  }
  // A's outcomes came from sim 2's webhooks, verified on A's tenant path with A's key (the
  // platform path would have refused them: they are signed with another key).
  const webhooks = (tenant) => Number(sql(database,
    `select count(*) from webhook_events e where tenant_id = ${tenant} and not exists (select 1 from webhook_pending p where p.id = e.id)`)[0][0]);
  assert.ok(webhooks(a.tenantId) >= leadCount * 2, `A's webhooks applied: ${webhooks(a.tenantId)}`);
  assert.ok(webhooks(b.tenantId) >= leadCount * 2, `B's webhooks applied: ${webhooks(b.tenantId)}`);
  const calls = await a.must(200, 'GET', `/api/v1/calls?campaign_id=${setA.campaign.id}&limit=100`);
  assert.equal(calls.total, leadCount);
  for (const c of calls.items) assert.equal(c.disposition, 'answered', `call ${c.id}`);

  const finalMetrics = await (await fetch(`${dialerd.url}/metrics`)).text();
  assert.match(finalMetrics, new RegExp(`^dialer_account_lines_in_use\\{account="${a.tenantId}"\\} 0$`, 'm'),
    'every line of the own account was given back');
  assert.ok(!dialerd.logs().includes(ownKey), 'the key is never logged');
});

test('after the tenant removes its key, its new calls go through the platform account', async () => {
  const cleared = await a.must(200, 'PUT', '/api/v1/settings/provider', { retell_api_key: null });
  assert.equal(cleared.account, 'platform');
  const before1 = await createsByTenant(sim1);
  const before2 = await createsByTenant(sim2);
  const set = await setupCampaign(a, { leadCount: 4, cap: 2, name: 'Back on the platform',
    fromNumber: '+14155550111' });
  await a.must(200, 'POST', `/api/v1/campaigns/${set.campaign.id}/start`);
  const stats = await waitForCompletion(a, set.campaign.id, 120000);
  assert.equal(stats.dispositions.answered, 4, JSON.stringify(stats.dispositions));
  assert.deepEqual(await createsByTenant(sim2), before2, 'nothing more on A\'s old account');
  const now1 = await createsByTenant(sim1);
  assert.equal((now1[String(a.tenantId)] || 0) - (before1[String(a.tenantId)] || 0), 4,
    'A\'s new calls were placed on the platform account');
});
