// The demo: one campaign of a few hundred leads dialled end to end through the built-in
// Retell simulator, against the throwaway PostgreSQL that scripts/demo.sh started.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  createDatabase, registerTenant, setupCampaign, startDialerd, startSim, waitForCompletion, stopProcess,
} from '../loadtest/driver/harness.mjs';

const leadCount = Number(process.env.DEMO_LEADS || 300);
const cap = Number(process.env.DEMO_CAP || 20);
const apiKey = `key_demo_${randomBytes(8).toString('hex')}`;
const children = [];

async function shutdown(code) {
  await Promise.all(children.map((c) => stopProcess(c.proc)));
  process.exit(code);
}
process.on('SIGINT', () => { console.log('\ninterrupted: stopping everything'); shutdown(130); });
process.on('SIGTERM', () => shutdown(143));

async function main() {
  const database = createDatabase('dialer_demo');
  // Calls last two simulated minutes on average; 120x time makes that about one second.
  const sim = await startSim({ apiKey, timeScale: 120, concurrencyLimit: cap * 2,
    mix: 'answered=55,no_answer=15,busy=10,voicemail=12,failed=8' });
  children.push(sim);
  const dialerd = await startDialerd({ database, retellBaseUrl: sim.url, apiKey,
    jwtSecret: randomBytes(24).toString('hex') });
  children.push(dialerd);
  await sim.configure({ webhook_url: `${dialerd.url}/api/v1/webhooks/retell` });

  console.log(`dialerd   ${dialerd.url}  (API under /api/v1, /metrics, /healthz)`);
  console.log(`simulator ${sim.url}  (/sim/record)`);
  const api = await registerTenant(dialerd.url, 'Demo Co');
  const { campaign } = await setupCampaign(api, { leadCount, cap });
  console.log(`tenant ${api.tenantId}: campaign ${campaign.id} with ${leadCount} leads, max ${cap} concurrent calls`);

  const started = Date.now();
  await api.must(200, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  let lastLine = 0;
  const stats = await waitForCompletion(api, campaign.id, 10 * 60 * 1000, (c, s) => {
    if (Date.now() - lastLine > 2000) {
      lastLine = Date.now();
      console.log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.leads_terminal}/${s.total_leads} leads done, ${s.calls_in_progress} calls in progress`);
    }
  });
  const seconds = (Date.now() - started) / 1000;
  const record = await sim.record();
  const accepted = record.creates.filter((c) => c.accepted);
  const leadsDialled = new Set(accepted.map((c) => c.metadata.lead_id));

  const line = (k, v) => console.log(`  ${k.padEnd(28)} ${v}`);
  console.log('\nDemo summary');
  line('machine', `${os.cpus().length} cores, ${os.cpus()[0].model}`);
  line('leads', stats.total_leads);
  line('leads finished', `${stats.leads_terminal} (${(stats.completion_rate * 100).toFixed(0)}%)`);
  line('dials (simulator record)', `${record.creates.length} requests, ${accepted.length} accepted`);
  line('distinct leads dialled', leadsDialled.size);
  line('outcomes', Object.entries(stats.dispositions).map(([k, v]) => `${k} ${v}`).join(', '));
  line('peak concurrency / cap', `${record.peak_concurrency} / ${cap}`);
  line('average call (simulated)', `${stats.average_duration_seconds.toFixed(0)} s`);
  line('spent', `${(stats.spent_cents / 100).toFixed(2)} USD`);
  line('wall time', `${seconds.toFixed(1)} s`);
  console.log('\nServed while it ran:');
  console.log(`  ${dialerd.url}/api/v1/campaigns/${campaign.id}/stats`);
  console.log(`  ${dialerd.url}/api/v1/calls?campaign_id=${campaign.id}`);
  console.log(`  ${dialerd.url}/metrics`);
  const ok = stats.leads_terminal === stats.total_leads && record.peak_concurrency <= cap &&
    leadsDialled.size === accepted.length;
  console.log(ok ? '\nAll leads reached a final state within the cap; no lead was dialled twice.'
    : '\nSOMETHING WENT WRONG: see the figures above.');
  await shutdown(ok ? 0 : 1);
}

main().catch(async (e) => {
  console.error(e.stack || String(e));
  await shutdown(1);
});
