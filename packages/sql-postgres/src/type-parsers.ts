import pg from "pg";

/** PostgreSQL type OIDs this adapter parses itself. */
export const OID = {
  int8: 20,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

// ISO DateStyle output: `2024-03-10 02:30:00.123456+05:30`, `0044-03-15 00:00:00 BC`, `infinity`.
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** The value of the two digits at `at`, or -1 when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** The last timestamp text parsed: a row's `created_at` and `updated_at` are often the same text. */
let lastText: string | undefined;
let lastTime = 0;

/**
 * Parses a timestamp as PostgreSQL prints it with DateStyle ISO. Without an offset the wall
 * time is taken as UTC, so the result never depends on the process's TZ.
 */
export function parseTimestamp(text: string): Date | number {
  if (text === lastText) return new Date(lastTime);
  const time = commonTimestamp(text);
  if (time === undefined) return parseAnyTimestamp(text);
  lastText = text;
  lastTime = time;
  return new Date(time);
}

/**
 * The instant of the common form, read by character codes: a 4-digit year from 100 on (Date.UTC
 * maps years 0-99 to 1900-1999), no BC, an optional fraction (milliseconds kept, finer digits
 * dropped as the regex path does) and an optional offset of hours, minutes, seconds. Anything
 * else is undefined and takes the regex path.
 */
function commonTimestamp(text: string): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const century = twoDigits(text, 0);
  const years = twoDigits(text, 2);
  const year = century * 100 + years;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 1 || years < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let ms = 0;
  if (at < length && text.charCodeAt(at) === 46) {
    at++;
    const start = at;
    while (at < length && at - start < 6) {
      const d = text.charCodeAt(at) - 48;
      if (d < 0 || d > 9) break;
      if (at - start < 3) ms = ms * 10 + d;
      at++;
    }
    const count = at - start;
    if (count === 0) return undefined;
    if (count === 1) ms *= 100;
    else if (count === 2) ms *= 10;
  }
  let offset = 0;
  if (at < length) {
    const sign = text.charCodeAt(at);
    if (sign !== 43 && sign !== 45) return undefined;
    const hours = twoDigits(text, at + 1);
    if (hours < 0) return undefined;
    offset = hours * 3600;
    at += 3;
    for (let unit = 60; at < length && unit >= 1; unit /= 60) {
      if (text.charCodeAt(at) === 58) at++;
      const n = twoDigits(text, at);
      if (n < 0) return undefined;
      offset += n * unit;
      at += 2;
    }
    if (at !== length) return undefined;
    if (sign === 45) offset = -offset;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 1000;
}

/** The regex path: every form ISO DateStyle prints (infinity, BC, years below 100 or above 9999). */
function parseAnyTimestamp(text: string): Date | number {
  if (text === "infinity") return Infinity;
  if (text === "-infinity") return -Infinity;
  const m = TIMESTAMP.exec(text);
  if (!m) return new Date(Number.NaN);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year;
  const ms = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (m[8]) {
    const offsetSeconds = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    date.setTime(date.getTime() - (m[8] === "-" ? -1 : 1) * offsetSeconds * 1000);
  }
  return date;
}

const asText = (text: string) => text;

const OWN_PARSERS: ReadonlyArray<readonly [number, (text: string) => unknown]> = [
  [OID.date, asText],
  [OID.timestamp, parseTimestamp],
  [OID.timestamptz, parseTimestamp],
  [OID.int8, asText],
  [OID.numeric, asText],
];

/**
 * Sets this adapter's text parsers on one client, leaving the process-wide `pg.types` untouched:
 * DATE stays the 'YYYY-MM-DD' text, both timestamp types become TZ-independent instants, and
 * int8/numeric stay text so the dialect's decoders choose number, bigint or canonical decimal per
 * field. They go into the client's own override table (`client.setTypeParser`), which pg consults
 * first for every column of every result, so other types reach pg's defaults with no lookup of ours.
 */
export function installTypeParsers(client: pg.ClientBase): void {
  for (const [oid, parse] of OWN_PARSERS) client.setTypeParser(oid, "text", parse);
}
