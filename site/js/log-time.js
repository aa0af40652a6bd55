// Times on the Logs page as HubRise writes them: the date and the time to
// the second ("2026-12-06 08:33:22") in the account's time zone, which the
// column heading names as an offset from UTC ("UTC+01:00"). Also the
// datetime-local fields' reading and prefilling in the account's zone (the
// callbacks range, the block's end, the endpoint's "redeliver since"): a
// merchant abroad types the same wall times the site shows.

import { h } from './dom.js';

/** The formatter for timeZone, or the browser's zone when it is unknown. */
function formatter(timeZone, options) {
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: timeZone || undefined });
  } catch {
    return new Intl.DateTimeFormat('en-US', options);
  }
}

/** "UTC+01:00": the offset of timeZone at date. */
export function zoneOffset(date, timeZone) {
  const part = formatter(timeZone, { timeZoneName: 'longOffset' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  const offset = part ? part.value.replace(/^GMT/, '') : '';
  return `UTC${offset || '+00:00'}`;
}

/** "Europe/Paris (UTC+01:00)": the zone a time field is read in, for its hint. */
export function zoneLabel(date, timeZone) {
  return `${timeZone || 'your browser’s time zone'} (${zoneOffset(date, timeZone)})`;
}

/** The wall-clock parts of date in timeZone (the browser's zone when unknown). */
function wallParts(date, timeZone) {
  const options = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
  const p = Object.fromEntries(formatter(timeZone, options).formatToParts(date).map((x) => [x.type, x.value]));
  return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute, second: +p.second };
}

/** How far timeZone's wall clock is ahead of UTC at date, in ms. */
function zoneOffsetMs(date, timeZone) {
  const p = wallParts(date, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(date.getTime() / 1000) * 1000;
}

/** "2026-11-24T10:00" for a datetime-local input: date's wall time in timeZone. */
export function zonedInputValue(date, timeZone) {
  const pad = (n) => String(n).padStart(2, '0');
  const p = wallParts(date, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * The instant whose wall time in timeZone is value ("2026-11-24T10:00", as
 * a datetime-local input gives it); an invalid Date when value is not one.
 * The offset is taken at the guess and again at the result, so a value
 * near a daylight-saving change lands on the right side of it.
 */
export function zonedInputDate(value, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!m) return new Date(NaN);
  const asUTC = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const first = asUTC - zoneOffsetMs(new Date(asUTC), timeZone);
  return new Date(asUTC - zoneOffsetMs(new Date(first), timeZone));
}

/** RFC 3339 in UTC, to the second, as the API wants. */
export function isoSeconds(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A <time> holding iso as "YYYY-MM-DD HH:MM:SS" in timeZone. Its offset is
 * written after it when it differs from the heading's (a call on the other
 * side of a daylight-saving change), or always with withZone.
 */
export function secondsTime(iso, timeZone, headingZone, withZone = false) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1971) return null;
  const parts = Object.fromEntries(formatter(timeZone, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(date).map((p) => [p.type, p.value]));
  const zone = zoneOffset(date, timeZone);
  const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  return h('time', { datetime: date.toISOString() }, text, withZone || zone !== headingZone ? ` ${zone}` : '');
}
