// Burst test of retell_sim alone: starts the simulator and a webhook sink, places many calls as
// fast as it can, waits for every webhook, checks signatures, and prints what it measured.
//
//   node loadtest/sim_burst.mjs [--calls 5000] [--parallel 200] [--time-scale 60]
//        [--mean-call-seconds 600] [--ring-seconds 20] [--mix answered=60,...]
//        [--sim-args "--duplicate-webhook-ratio 1 ..."]
//
// SIM_BIN names the retell_sim binary (default build/loadtest/retell_sim). Plain Node 20.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { cpuSeconds, mib, quantile, rssBytes } from './driver/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const opts = {
  calls: 5000,
  parallel: 200,
  'time-scale': 60,
  'mean-call-seconds': 600,
  'ring-seconds': 20,
  mix: 'answered=60,no_answer=15,busy=10,voicemail=10,failed=5',
  'sim-args': '', // more retell_sim options, space-separated (e.g. fault switches)
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '');
  if (!(name in opts) || argv[i + 1] === undefined) {
    console.error(`usage: node sim_burst.mjs ${Object.keys(opts).map((k) => `[--${k} V]`).join(' ')}`);
    process.exit(2);
  }
  opts[name] = typeof opts[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}
const simBin = process.env.SIM_BIN || path.join(here, '..', 'build', 'loadtest', 'retell_sim');
const apiKey = `key_burst_${randomBytes(6).toString('hex')}`;

// Webhook sink, in its own thread so that the create load of this driver cannot stall it:
// counts events per type, verifies every signature with our own HMAC, measures delivery lag.
function runSink({ apiKey: key }) {
  const stats = {
    received: 0, badSignatures: 0, firstAt: 0, lastAt: 0, maxLagMs: 0, lateHooks: 0,
    events: {}, perSecond: {},
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const m = /^v=(\d+),d=([0-9a-f]{64})$/.exec(req.headers['x-retell-signature'] || '');
      const digest = m && createHmac('sha256', key).update(body + m[1]).digest('hex');
      if (!m || digest !== m[2]) stats.badSignatures++;
      if (m) {
        const lag = now - Number(m[1]); // signed when sent, so this is the delivery lag
        stats.maxLagMs = Math.max(stats.maxLagMs, lag);
        if (lag > 1000) stats.lateHooks++;
      }
      const event = JSON.parse(body).event;
      stats.events[event] = (stats.events[event] || 0) + 1;
      stats.received++;
      stats.lastAt = now;
      if (!stats.firstAt) stats.firstAt = now;
      const second = Math.floor(now / 1000);
      stats.perSecond[second] = (stats.perSecond[second] || 0) + 1;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (m) => {
    if (m === 'stats') parentPort.postMessage({ stats });
    if (m === 'close') server.close(() => process.exit(0));
  });
}

if (!isMainThread) {
  runSink(workerData);
} else {
  await main();
}

async function main() {
  const sinkWorker = new Worker(fileURLToPath(import.meta.url), { workerData: { apiKey } });
  const reply = (key) => new Promise((r) => {
    const on = (m) => { if (key in m) { sinkWorker.off('message', on); r(m[key]); } };
    sinkWorker.on('message', on);
  });
  const sinkPort = await reply('port');
  const sinkStats = async () => { const p = reply('stats'); sinkWorker.postMessage('stats'); return p; };
  const hookUrl = `http://127.0.0.1:${sinkPort}/hook`;

  const sim = spawn(simBin, [
    '--listen', '127.0.0.1:0', '--api-key', apiKey, '--webhook-url', hookUrl,
    '--time-scale', String(opts['time-scale']), '--mean-call-seconds', String(opts['mean-call-seconds']),
    '--ring-seconds', String(opts['ring-seconds']), '--mix', opts.mix,
    '--concurrency-limit', String(opts.calls), '--analysis-seconds', '5', '--seed', '11',
    ...opts['sim-args'].split(' ').filter(Boolean),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    createInterface({ input: sim.stdout }).once('line', (l) => resolve(Number(l.split(' ')[1])));
    sim.once('exit', (code) => reject(new Error(`retell_sim exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;

  const simStats = () => ({ rssMb: mib(rssBytes(sim.pid)), cpuSeconds: cpuSeconds(sim.pid) });

  // Place the calls, `parallel` requests in flight at a time.
  const t0 = Date.now();
  let next = 0;
  let createErrors = 0;
  const createLatencies = [];
  async function worker() {
    while (next < opts.calls) {
      const i = next++;
      const started = performance.now();
      const res = await fetch(`${base}/v2/create-phone-call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          from_number: '+14155550100',
          to_number: `+1212555${String(i % 10000).padStart(4, '0')}`,
          metadata: { attempt_id: String(i), tenant_id: '1' },
        }),
      });
      await res.arrayBuffer();
      createLatencies.push(performance.now() - started);
      if (res.status !== 201) createErrors++;
    }
  }
  await Promise.all(Array.from({ length: opts.parallel }, worker));
  const createdIn = (Date.now() - t0) / 1000;
  const afterCreates = await (await fetch(`${base}/sim/record?summary=1`)).json();
  const statsAfterCreates = simStats();

  for (;;) {
    const rec = await (await fetch(`${base}/sim/record?summary=1`)).json();
    const st = await sinkStats();
    if (rec.calls_analyzed === rec.calls_total && rec.webhook_backlog === 0 &&
        st.received >= rec.webhook_attempts) break;
    if (Date.now() - t0 > 600000) throw new Error('timed out waiting for the calls to end');
    await new Promise((r) => setTimeout(r, 200));
  }
  const record = await (await fetch(`${base}/sim/record`)).json();
  const statsEnd = simStats();
  const sink = await sinkStats();
  sim.kill('SIGTERM');
  const exit = await new Promise((r) => sim.once('exit', (code) => r(code)));
  sinkWorker.postMessage('close');

  createLatencies.sort((a, b) => a - b);
  const pct = (p) => +quantile(createLatencies, p).toFixed(1);
  const hookSeconds = (sink.lastAt - sink.firstAt) / 1000;
  console.log(JSON.stringify({
    calls: opts.calls,
    parallel_requests: opts.parallel,
    create_seconds: createdIn,
    creates_per_second: Math.round(opts.calls / createdIn),
    create_latency_ms: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    create_errors: createErrors,
    concurrency_right_after_creates: afterCreates.current_concurrency,
    peak_concurrency: record.peak_concurrency,
    total_seconds: (Date.now() - t0) / 1000,
    webhooks_received: sink.received,
    webhooks_per_second_avg: Math.round(sink.received / hookSeconds),
    webhooks_per_second_peak: Math.max(...Object.values(sink.perSecond)),
    events: sink.events,
    bad_signatures: sink.badSignatures,
    webhook_lag_ms_max: sink.maxLagMs,
    webhooks_later_than_1s: sink.lateHooks,
    sim_webhooks_sent: record.webhooks_sent,
    sim_webhooks_failed: record.webhooks_failed,
    sim_webhook_attempts: record.webhook_attempts,
    sim_webhook_retries: record.webhook_retries,
    sim_rss_mb_after_creates: statsAfterCreates.rssMb,
    sim_rss_mb_end: statsEnd.rssMb,
    sim_cpu_seconds: statsEnd.cpuSeconds,
    sim_exit_code: exit,
  }, null, 2));
}
