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

/**
 * Parses a timestamp as PostgreSQL prints it with DateStyle ISO. Without an offset the wall
 * time is taken as UTC, so the result never depends on the process's TZ.
 */
export function parseTimestamp(text: string): Date | number {
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
