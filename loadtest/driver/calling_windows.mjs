// The countries' calling windows, read from the engine's built-in rules (config/country_rules.json),
// so that a load run can check each dial against the window of the called lead's zone on its own,
// without asking the engine. Same reading as the engine's: a single day's key wins over
// "weekdays"/"weekend", which win over "every_day"; a day named nowhere is forbidden; windows
// are [start, end) in the called party's local time; no calls on a listed public holiday.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './harness.mjs';

const dayNames = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** "HH:MM-HH:MM" as [start, end) minutes of the day. */
function parseWindow(text) {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(text);
  if (!m) throw new Error(`bad calling window "${text}"`);
  return [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
}

/** The windows of weekday `day` (0 = Sunday) from a rule's `windows` object: [[start, end)]. */
function windowsOn(windows, day) {
  const weekend = day === 0 || day === 6;
  const chosen = windows[dayNames[day]] ?? windows[weekend ? 'weekend' : 'weekdays'] ?? windows.every_day;
  if (chosen === undefined || chosen === 'forbidden') return [];
  return chosen.map(parseWindow);
}

/** Local calendar date, weekday and minute of the day of instant `ms` in IANA zone `zone`. */
const formatters = new Map();
function localTime(ms, zone) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
      month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'long' }));
  }
  const parts = Object.fromEntries(formatters.get(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, day: dayNames.indexOf(parts.weekday.toLowerCase()),
    minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/**
 * The country rules of `file` (the engine's built-in file by default) as a function
 * `allowed(countryIso, zone, ms)`: true when a call to a lead of that country in IANA zone
 * `zone` is inside its country's calling window at instant `ms`. A country without rules throws:
 * the check must not pass by default.
 */
export function callingWindows(file = path.join(repoRoot, 'config', 'country_rules.json')) {
  const { countries } = JSON.parse(readFileSync(file, 'utf8'));
  return (countryIso, zone, ms) => {
    const rule = countries[countryIso];
    if (!rule) throw new Error(`no calling rules for country "${countryIso}"`);
    const local = localTime(ms, zone);
    if ((rule.holidays?.dates ?? []).some((h) => h.date === local.date)) return false;
    return windowsOn(rule.calling_hours?.windows ?? {}, local.day)
      .some(([start, end]) => local.minute >= start && local.minute < end);
  };
}
