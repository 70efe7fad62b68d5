// The picture of a load run: one self-contained HTML page (inline CSS and SVG, no script, nothing
// fetched) with line charts over time and the run's figures and promise checks.

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Text made safe for HTML. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A round step near range / 5 (1, 2 or 5 times a power of ten). */
function tickStep(range) {
  if (!(range > 0)) return 1;
  const raw = range / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** A tick label: integers plainly, small numbers with the decimals they need. */
function tickLabel(v) {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(+v.toPrecision(3));
}

/**
 * One line chart as an <svg> element. `series` are {name, points: [[x, y]], dashed?}; points
 * with a y that is not a finite number leave a gap. Axes start at 0.
 */
export function lineChart({ id, title, xLabel, yLabel, series, width = 920, height = 280 }) {
  const m = { left: 64, right: 16, top: 30, bottom: 42 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const yTop = Math.max(...all.map(([, y]) => y), 0);
  const yStep = tickStep(yTop || 1);
  const yMax = Math.max(yStep, Math.ceil(yTop / yStep) * yStep);
  const xStep = tickStep(xMax);
  const sx = (x) => m.left + (x / xMax) * plotW;
  const sy = (y) => m.top + plotH - (y / yMax) * plotH;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(id)}" class="chart" role="img" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${escapeHtml(title)}">`);
  parts.push(`<title>${escapeHtml(title)}</title>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="#fff" stroke="#999"/>`);
  for (let y = 0; y <= yMax + yStep / 2; y += yStep) {
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${tickLabel(y)}</text>`);
  }
  for (let x = 0; x <= xMax + xStep / 2; x += xStep) {
    if (x > xMax) break;
    parts.push(`<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${m.top}" y2="${m.top + plotH}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle">${tickLabel(x)}</text>`);
  }
  parts.push(`<text x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    // One polyline per unbroken run of points.
    let run = [];
    const flush = () => {
      if (run.length) {
        parts.push(`<polyline class="series" data-series="${escapeHtml(s.name)}" fill="none" stroke="${color}" ` +
          `stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${run.join(' ')}"/>`);
      }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) run.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else flush();
    }
    flush();
    const lx = m.left + 10 + i * 190;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="14" y2="14" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="18">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** An HTML table of [label, value] rows; `bad(row)` marks a row red, else green when `marks`. */
function table(rows, { marks = false, bad = () => false } = {}) {
  const body = rows.map((row) => {
    const cls = marks ? (bad(row) ? ' class="bad"' : ' class="good"') : '';
    return `<tr${cls}><th>${escapeHtml(row[0])}</th><td>${escapeHtml(row[1])}</td></tr>`;
  }).join('\n');
  return `<table>\n${body}\n</table>`;
}

/** A figure as text: objects as `key value, ...`, null as "-". */
function show(value) {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => `${k} ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
  }
  return typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(value);
}

/**
 * The whole page. `report` is what run_scenario writes to report.json: scenario, machine,
 * figures, promises and timeline ([{t, ...}] one point a sample interval).
 */
export function renderReport(report) {
  const tl = report.timeline;
  const pts = (key) => tl.map((p) => [p.t, p[key]]);
  const caps = report.scenario_summary;
  const charts = [
    lineChart({ id: 'chart-concurrency', title: 'Calls in flight', xLabel: 'seconds since the campaigns started',
      yLabel: 'calls', series: [
        { name: 'dialerd active calls', points: pts('engine_active_calls') },
        { name: 'simulator concurrency', points: pts('simulator_concurrency') },
        { name: 'lines allowed (caps, account)', points: tl.map((p) => [p.t, caps.lines_allowed]), dashed: true, color: '#777' },
      ] }),
    lineChart({ id: 'chart-throughput', title: 'Throughput', xLabel: 'seconds since the campaigns started',
      yLabel: 'per second', series: [
        { name: 'dials/s (create answers)', points: pts('dials_per_second') },
        { name: 'webhook events/s received', points: pts('webhooks_per_second') },
      ] }),
    lineChart({ id: 'chart-latency', title: 'Latency (per sample interval, from dialerd histograms)',
      xLabel: 'seconds since the campaigns started', yLabel: 'milliseconds', series: [
        { name: 'webhook ack p50', points: pts('webhook_ack_p50_ms') },
        { name: 'webhook ack p99', points: pts('webhook_ack_p99_ms') },
        { name: 'dispatch p99', points: pts('dispatch_p99_ms') },
        { name: 'storage queue wait p99', points: pts('storage_queue_p99_ms') },
      ] }),
    lineChart({ id: 'chart-memory', title: 'dialerd resident memory', xLabel: 'seconds since the campaigns started',
      yLabel: 'MiB', series: [{ name: 'dialerd RSS', points: pts('engine_rss_mib') }] }),
    lineChart({ id: 'chart-cpu', title: 'CPU', xLabel: 'seconds since the campaigns started',
      yLabel: '% of one core', series: [
        { name: 'dialerd', points: pts('engine_cpu_percent') },
        { name: 'retell_sim', points: pts('simulator_cpu_percent') },
      ] }),
  ];
  const failed = Object.values(report.promises).some((v) => v !== 0);
  const figures = Object.entries(report.figures).map(([k, v]) => [k.replaceAll('_', ' '), show(v)]);
  const promises = Object.entries(report.promises).map(([k, v]) => [k.replaceAll('_', ' '), show(v)]);
  const setup = [
    ['scenario', `${report.scenario.name}: ${report.scenario.description ?? ''}`],
    ['shape', show(caps)],
    ['simulator', show(report.scenario.simulator)],
    ['machine', show(report.machine)],
    ['postgresql', show(report.postgres)],
    ['started', report.started_at],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Load run ${escapeHtml(report.scenario.name)}: ${failed ? 'promise checks FAILED' : 'all promise checks 0'}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 960px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { font-weight: normal; color: #555; } tr.good td { background: #e8f5e9; } tr.bad td { background: #ffebee; font-weight: bold; }
svg.chart { display: block; margin: 4px 0 12px; } svg.chart text { font-size: 11px; fill: #333; }
.verdict { font-weight: bold; color: ${failed ? '#c62828' : '#2e7d32'}; }
</style>
</head>
<body>
<h1>Load run: ${escapeHtml(report.scenario.name)}</h1>
<p class="verdict">${failed ? 'Some promise checks are not 0.' : 'Every promise check is 0.'}</p>
${table(setup)}
<h2>Promise checks (each must be 0)</h2>
${table(promises, { marks: true, bad: (row) => row[1] !== '0' })}
<h2>Figures</h2>
${table(figures)}
<h2>Over time</h2>
${charts.join('\n')}
<p>One point per sample (${escapeHtml(report.sample_interval_ms)} ms). Dials/s: create-phone-call answers
(dialer_dials_total); webhooks/s: events received (dialer_webhook_events_total); latencies: quantiles of
the observations of each interval, interpolated inside the histogram buckets (dialer_webhook_ack_seconds,
dialer_dispatch_latency_seconds, dialer_storage_queue_seconds); a value at a histogram's last bucket bound
(1 s for webhook acks, 5 s for the others) means at least that.</p>
</body>
</html>
`;
}
