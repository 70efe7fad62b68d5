// The load harness must not rot: the smoke scenario runs end to end (dialerd + retell_sim + a
// real PostgreSQL, PG* variables from pg_virtualenv), every promise check of its report is 0,
// and the HTML report holds its charts with data in them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../loadtest/driver/harness.mjs';

/** Runs a node script; resolves to its exit code and output. */
function runNode(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('the smoke scenario keeps every promise and draws its report', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'e2e-load-scenario-'));
  try {
    const r = await runNode([path.join(repoRoot, 'loadtest', 'run_scenario.mjs'),
      path.join(repoRoot, 'loadtest', 'scenarios', 'smoke.json'), '--out', out], 120000);
    assert.equal(r.code, 0, `run_scenario exited with ${r.code ?? r.signal}:\n${r.stderr.slice(-4000)}`);

    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.ok(Object.keys(report.promises).length >= 10, 'every promise is checked');
    for (const [check, count] of Object.entries(report.promises)) assert.equal(count, 0, `${check} = ${count}`);
    // The run did real work: every regular lead dialled, calls in parallel up to the lines allowed.
    const f = report.figures;
    const s = report.scenario;
    const dialable = s.tenants * s.campaigns_per_tenant * s.leads_per_campaign;
    assert.ok(f.calls_placed >= dialable, `${f.calls_placed} calls placed for ${dialable} dialable leads`);
    const peak = f.peak_calls_in_flight.simulator;
    assert.ok(peak >= 2 && peak <= report.scenario_summary.lines_allowed, `peak of ${peak} calls in flight`);
    assert.ok(f.webhook_events_received >= 2 * dialable, `${f.webhook_events_received} webhooks`);
    assert.ok(f.webhook_ack_ms.observations > 0 && f.webhook_ack_ms.p50 !== null, JSON.stringify(f.webhook_ack_ms));
    assert.ok(f.slot_refill_ms.count > 0);
    assert.ok(f.engine_rss_mib.at_peak_calls > 0 && f.engine_cpu.seconds > 0);
    assert.ok(report.timeline.length >= 5, `${report.timeline.length} samples`);

    const htmlFile = path.join(out, 'report.html');
    assert.ok(existsSync(htmlFile), 'report.html written');
    const html = readFileSync(htmlFile, 'utf8');
    for (const id of ['chart-concurrency', 'chart-throughput', 'chart-latency']) {
      const svg = new RegExp(`<svg[^>]* id="${id}"[^]*?</svg>`).exec(html);
      assert.ok(svg, `chart ${id} is in the page`);
      const points = [...svg[0].matchAll(/<polyline[^>]* points="([^"]+)"/g)].map((m) => m[1].split(' ').length);
      assert.ok(points.length > 0 && Math.max(...points) >= 5, `chart ${id} draws its data (${points})`);
    }
    assert.doesNotMatch(html, /<script|<link|<img|src=/, 'self-contained: nothing fetched');
    assert.match(html, /Every promise check is 0/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
