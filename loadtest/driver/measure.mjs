// What the load scripts measure, shared by them: processes (/proc), Prometheus text from
// dialerd's /metrics, quantiles, the simulator's record of creates, the machine, and the
// command line. Plain Node 20, no dependencies.

import { readFileSync } from 'node:fs';
import os from 'node:os';

// ---- processes -------------------------------------------------------------------------------

/** Resident memory of process `pid` in bytes (VmRSS), NaN once it is gone. */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) process `pid` has used, NaN once it is gone. Linux counts them
 *  in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
export function cpuSeconds(pid) {
  try {
    // The command name in parentheses may hold spaces: fields start after its closing ") ".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// ---- Prometheus text format ------------------------------------------------------------------

/** The labels of one series, `a="x",b="y"`, as an object. */
function parseLabels(text) {
  const labels = {};
  if (!text) return labels;
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
}

/** Every series of metric `name` in /metrics text: [{labels, value}]. */
export function metricSeries(text, name) {
  const out = [];
  const re = new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.eE+-]+|NaN|[+-]Inf)$`, 'gm');
  for (const m of text.matchAll(re)) out.push({ labels: parseLabels(m[1]), value: Number(m[2]) });
  return out;
}

/** Sum of the series of `name` whose labels include every pair of `where`. */
export function metricSum(text, name, where = {}) {
  let sum = 0;
  for (const s of metricSeries(text, name)) {
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** The cumulative buckets of histogram `name` (all its series added up): [[le, count]] by le. */
export function histogramBuckets(text, name) {
  const byBound = new Map();
  for (const s of metricSeries(text, `${name}_bucket`)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return [...byBound.entries()].sort((x, y) => x[0] - y[0]);
}

/** Observations that fell between two readings of the same histogram (later minus earlier). */
export function bucketsSince(later, earlier) {
  const before = new Map(earlier ?? []);
  return later.map(([le, count]) => [le, count - (before.get(le) ?? 0)]);
}

/** Number of observations in cumulative buckets. */
export function bucketCount(buckets) {
  return buckets.length ? buckets[buckets.length - 1][1] : 0;
}

/**
 * Quantile `q` of cumulative buckets. `upper` gives the upper bound of the bucket holding it
 * (a guarantee: the quantile is at most this); otherwise it is interpolated linearly inside that
 * bucket, as Prometheus' histogram_quantile does (the last finite bound when it falls in +Inf).
 * NaN when there is no observation.
 */
export function bucketQuantile(buckets, q, { upper = false } = {}) {
  const total = bucketCount(buckets);
  if (!total) return NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank && count > prevCount) {
      if (upper) return le;
      if (le === Infinity) return prevBound;
      return prevBound + ((le - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    if (le !== Infinity) prevBound = le;
    prevCount = count;
  }
  return prevBound;
}

/** Quantile `q` of histogram `name` in /metrics text: the upper bound of its bucket. */
export function histogramQuantile(text, name, q) {
  return bucketQuantile(histogramBuckets(text, name), q, { upper: true });
}

/** Fetches dialerd's /metrics text. */
export async function scrape(baseUrl) {
  return (await fetch(`${baseUrl}/metrics`)).text();
}

// ---- numbers ---------------------------------------------------------------------------------

/** Quantile `q` of an ascending array (nearest rank, no interpolation); NaN when empty. */
export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** {p50, p90, p99, p999, max} of `values` (any order), rounded to `digits`. */
export function summarize(values, digits = 1) {
  const sorted = Float64Array.from(values).sort();
  const r = (v) => (Number.isFinite(v) ? +v.toFixed(digits) : null);
  return { count: sorted.length, p50: r(quantile(sorted, 0.5)), p90: r(quantile(sorted, 0.9)),
    p99: r(quantile(sorted, 0.99)), p999: r(quantile(sorted, 0.999)), max: r(sorted[sorted.length - 1]) };
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes) => +(bytes / 2 ** 20).toFixed(1);

// ---- the simulator's record ------------------------------------------------------------------

/** Largest number of intervals [start, end) open at once; a missing end counts as still open. */
export function peakOverlap(intervals) {
  const points = [];
  for (const [start, end] of intervals) {
    points.push([start, 1]);
    points.push([end ?? Infinity, -1]);
  }
  // At equal times an end goes first: a line freed and taken in the same millisecond is one line.
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let peak = 0;
  for (const [, step] of points) {
    open += step;
    peak = Math.max(peak, open);
  }
  return peak;
}

/**
 * Slot refill times of one campaign with `cap` lines: each create after the first `cap` took the
 * line freed by the (k - cap)-th end, so it is timed from that end to the create's arrival.
 * `creates` are [received_ms, ended_ms or null]; `counts(k)` says whether the k-th create (by
 * arrival) is to be timed (e.g. first attempts only). Returns the times in ms.
 */
export function refillTimes(creates, cap, counts = () => true) {
  const arrivals = creates.map(([received]) => received).sort((x, y) => x - y);
  const ends = creates.map(([, ended]) => ended).filter((t) => t != null).sort((x, y) => x - y);
  const out = [];
  for (let k = cap; k < arrivals.length && k - cap < ends.length; k++) {
    if (counts(k)) out.push(arrivals[k] - ends[k - cap]);
  }
  return out;
}

/** The simulator's whole record (GET /sim/record), or its counters only with `summary`. */
export async function simRecord(simUrl, { summary = false } = {}) {
  return (await fetch(`${simUrl}/sim/record${summary ? '?summary=1' : ''}`)).json();
}

// ---- machine and command line ----------------------------------------------------------------

/** What the figures ran on. */
export function machine() {
  const cpus = os.cpus();
  return { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', memory_gib: Math.round(os.totalmem() / 2 ** 30),
    load_average_1m: +os.loadavg()[0].toFixed(2) };
}

/** `--name value` options of the command line: number(), text() and flag() with defaults. */
export function commandLine(argv = process.argv) {
  const at = (name) => argv.indexOf(`--${name}`);
  const value = (name) => (at(name) > 0 && at(name) + 1 < argv.length ? argv[at(name) + 1] : undefined);
  return {
    number: (name, dflt) => (value(name) === undefined ? dflt : Number(value(name))),
    text: (name, dflt) => value(name) ?? dflt,
    flag: (name) => at(name) > 0,
  };
}
