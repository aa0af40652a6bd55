// Times on the Logs page as HubRise writes them: the date and the time to
// the second ("2026-12-06 08:33:22") in the account's time zone, which the
// column heading names as an offset from UTC ("UTC+01:00").

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
