// The load harness's own checks, on made-up records: a clean run counts 0 everywhere, and each
// kind of broken promise is counted. No processes, no database (CTest label unit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callingWindows } from '../driver/calling_windows.mjs';
import { bucketQuantile, histogramBuckets, metricSum, peakOverlap, refillTimes } from '../driver/measure.mjs';
import { promiseChecks } from '../driver/promise_checks.mjs';
import { lineChart, renderReport } from '../driver/report_html.mjs';

// 2026-12-01 was a Tuesday; 15:00 UTC is 10:00 in New York, 03:00 in Etc/GMT+12.
const at = Date.UTC(2026, 11, 1, 15, 0, 0);

/** A clean run: two campaigns of cap 2, five leads, every call inside its window. */
function cleanRun() {
  const create = (attempt, lead, campaign, received, ended, extra = {}) => ({
    call_id: `call_${attempt}`, to_number: `+1212200000${lead}`, received_at_ms: received, ended_at_ms: ended,
    accepted: true, status: 201, reason: null,
    metadata: { attempt_id: String(attempt), lead_id: String(lead), campaign_id: String(campaign), tenant_id: '1' },
    ...extra,
  });
  return {
    creates: [
      create(1, 1, 10, at, at + 5000),
      create(2, 2, 10, at + 10, at + 4000),
      create(3, 3, 10, at + 4000, at + 9000),  // takes the line freed at +4000
      create(4, 4, 11, at + 20, at + 3000),
      create(5, 5, 11, at + 30, null),         // still going
    ],
    campaigns: [{ id: 10, cap: 2, kind: 'regular', status: 'completed' }, { id: 11, cap: 2, kind: 'regular', status: 'completed' }],
    accountLimit: 4,
    peakConcurrency: 4,
    leads: new Map([1, 2, 3, 4, 5].map((id) => [String(id), { tenant: '1', campaign: id <= 3 ? '10' : '11',
      zone: 'America/New_York', country: 'US', consent: 'granted', status: id === 5 ? 'in_progress' : 'completed' }])),
    dncNumbers: new Set(),
    maxAttempts: 1,
    allowedAt: callingWindows(),
    webhooksNotApplied: 0,
  };
}
const allZero = (checks) => Object.entries(checks).filter(([, v]) => v !== 0);

test('a clean run breaks no promise', () => {
  const run = cleanRun();
  run.campaigns[1].status = 'running';  // lead 5 is in flight: campaign 11 is not completed yet
  const checks = promiseChecks(run);
  assert.deepEqual(allZero(checks), [['campaigns_not_completed', 1]]);
  run.leads.get('5').status = 'completed';
  run.campaigns[1].status = 'completed';
  assert.deepEqual(allZero(promiseChecks(run)), []);
});

test('each broken promise is counted', () => {
  const broken = (change) => {
    const run = cleanRun();
    run.leads.get('5').status = 'completed';
    change(run);
    return allZero(promiseChecks(run));
  };
  assert.deepEqual(broken((r) => { r.creates[2].received_at_ms = at + 3999; }), [['campaign_cap_violations', 1]]);
  assert.deepEqual(broken((r) => { r.peakConcurrency = 5; }), [['account_cap_violations', 1]]);
  assert.deepEqual(broken((r) => { r.creates[4].reason = 'concurrency_limit_reached'; }), [['account_cap_violations', 1]]);
  assert.deepEqual(broken((r) => { r.creates.push({ ...r.creates[3], received_at_ms: at + 3500 }); }),
    [['duplicate_dials', 1], ['leads_dialled_over_max_attempts', 1]]);
  assert.deepEqual(broken((r) => { r.leads.get('2').status = 'pending'; }), [['lost_leads', 1]]);
  assert.deepEqual(broken((r) => { r.leads.get('3').zone = 'Etc/GMT+12'; }), [['calls_outside_calling_windows', 1]]);
  assert.deepEqual(broken((r) => { r.dncNumbers.add('1:+12122000004'); }), [['dnc_numbers_dialled', 1]]);
  assert.deepEqual(broken((r) => { r.dncNumbers.add('2:+12122000004'); }), [], 'another tenant\'s DNC list');
  assert.deepEqual(broken((r) => { r.leads.get('1').consent = 'denied'; }), [['consent_denied_dialled', 1]]);
  assert.deepEqual(broken((r) => { r.creates[0].metadata.lead_id = '99'; }), [['creates_for_unknown_leads', 1]]);
  assert.deepEqual(broken((r) => { r.webhooksNotApplied = 2; }), [['webhooks_not_applied', 2]]);
  // A refused create (429) is no dial, but it is still a decision to dial at that instant.
  assert.deepEqual(broken((r) => { r.creates.push({ ...r.creates[0], accepted: false, reason: 'fault_429', received_at_ms: at - 9 * 3600e3 }); }),
    [['calls_outside_calling_windows', 1]]);
});

test('calling windows follow the country rules in the lead zone', () => {
  const allowed = callingWindows();
  assert.equal(allowed('US', 'America/New_York', at), true);                    // 10:00
  assert.equal(allowed('US', 'America/New_York', at - 3 * 3600e3), false);      // 07:00
  assert.equal(allowed('US', 'America/New_York', at + 11 * 3600e3 - 1), true);  // 20:59:59.999
  assert.equal(allowed('US', 'America/New_York', at + 11 * 3600e3), false);     // 21:00
  assert.equal(allowed('FR', 'Europe/Paris', at), true);                        // Tuesday 16:00
  assert.equal(allowed('FR', 'Europe/Paris', at - 2 * 3600e3 - 30 * 60e3), false); // 13:30, lunch
  assert.equal(allowed('FR', 'Europe/Paris', Date.UTC(2026, 11, 5, 10)), false);   // Saturday
  assert.equal(allowed('FR', 'Europe/Paris', Date.UTC(2026, 11, 25, 10)), false);  // Noël
  assert.throws(() => allowed('ZZ', 'Etc/UTC', at), /no calling rules/);
});

test('measures: metric sums, histogram quantiles, overlaps, refill times', () => {
  const text = [
    'dialer_active_calls{tenant="1"} 3', 'dialer_active_calls{tenant="2"} 4',
    'dialer_dials_total{tenant="1",result="accepted"} 10', 'dialer_dials_total{tenant="1",result="refused"} 2',
    'x_bucket{le="0.01"} 50', 'x_bucket{le="0.1"} 90', 'x_bucket{le="1"} 100', 'x_bucket{le="+Inf"} 100',
  ].join('\n');
  assert.equal(metricSum(text, 'dialer_active_calls'), 7);
  assert.equal(metricSum(text, 'dialer_dials_total', { result: 'accepted' }), 10);
  const b = histogramBuckets(text, 'x');
  assert.equal(bucketQuantile(b, 0.5, { upper: true }), 0.01);
  assert.equal(bucketQuantile(b, 0.99, { upper: true }), 1);
  assert.ok(Math.abs(bucketQuantile(b, 0.7) - 0.055) < 1e-9);
  assert.ok(Number.isNaN(bucketQuantile([], 0.5)));
  assert.equal(peakOverlap([[0, 10], [10, 20], [5, null]]), 2);
  assert.deepEqual(refillTimes([[0, 100], [1, 50], [60, 200], [120, null]], 2), [10, 20]);
});

test('the HTML report is self-contained, with one SVG chart per figure over time', () => {
  const svg = lineChart({ id: 'c', title: 'T <&>', xLabel: 's', yLabel: 'n',
    series: [{ name: 'a', points: [[0, 1], [1, null], [2, 3], [3, 4]] }] });
  assert.match(svg, /<title>T &lt;&amp;&gt;<\/title>/);
  assert.equal(svg.match(/<polyline/g).length, 2, 'a gap where a value is missing');
  const point = { t: 1, engine_active_calls: 1, simulator_concurrency: 1, dials_per_second: 1, webhooks_per_second: 2,
    webhook_ack_p50_ms: 1, webhook_ack_p99_ms: 2, dispatch_p99_ms: 3, engine_rss_mib: 30, engine_cpu_percent: 5,
    simulator_cpu_percent: 1 };
  const html = renderReport({ scenario: { name: 'x', simulator: {} }, scenario_summary: { lines_allowed: 2 }, machine: {},
    postgres: {}, started_at: 'now', sample_interval_ms: 1000, figures: { a: 1 }, promises: { p: 0, q: 1 },
    timeline: [point, { ...point, t: 2 }] });
  for (const id of ['chart-concurrency', 'chart-throughput', 'chart-latency', 'chart-memory', 'chart-cpu']) {
    assert.match(html, new RegExp(`<svg[^>]* id="${id}"`));
  }
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  assert.match(html, /class="bad"><th>q<\/th>/);
});
