import { ValidationError } from "./errors.js";
import type { ModelField } from "./model.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const INTEGER_TEXT = /^-?\d{1,20}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The instants every database stores and orders the same way: years 0001-9999 in UTC (SQLite
 * compares ISO text, MySQL's DATETIME and PostgreSQL's BC years differ outside them).
 */
export const MIN_DATETIME = new Date("0001-01-01T00:00:00.000Z");
export const MAX_DATETIME = new Date("9999-12-31T23:59:59.999Z");
const RANGE_TEXT = "between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (UTC)";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

function fail(path: string, field: ModelField, value: unknown, expected: string): never {
  throw new ValidationError(`'${path}' must be ${expected}, got ${describe(value)}`, {
    field: path,
    fix: `Field '${field.name}' is declared as ${field.kind}`,
  });
}

/**
 * Text every database stores and compares the same way: no NUL (PostgreSQL cannot hold it) and
 * no lone UTF-16 surrogate (not Unicode; MySQL refuses it, SQLite would store it). Used for values,
 * JSON keys and strings at any depth, and filter patterns.
 */
export function assertPortableText(path: string, value: string, what = `'${path}'`): void {
  if (value.includes("\u0000")) {
    throw new ValidationError(`${what} contains a NUL character (\\u0000)`, {
      field: path,
      fix: "Text cannot hold NUL on every database; remove it or store the data in a binary-safe encoding",
    });
  }
  if (!value.isWellFormed()) {
    throw new ValidationError(`${what} contains a lone UTF-16 surrogate`, { field: path, fix: "Pass well-formed Unicode text" });
  }
}

function checkText(path: string, field: ModelField, value: string): string {
  assertPortableText(path, value);
  const max = field.maxLength;
  if (max !== undefined && value.length > max) {
    let codePoints = 0;
    for (const _ of value) codePoints++;
    if (codePoints > max) {
      throw new ValidationError(`'${path}' has ${codePoints} characters; the column holds at most ${max}`, {
        field: path,
        fix: `Shorten the value or declare field.string({ maxLength: ${codePoints} }) / field.text()`,
      });
    }
  }
  return value;
}

/** `"+012.500"` -> `"12.5"`, `"-0.0"` -> `"0"`; undefined for anything that is not a plain decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const m = DECIMAL.exec(text.trim() === text ? text : "");
  if (!m) return undefined;
  const [, sign, rawWhole = "", rawFraction = ""] = m;
  if (rawWhole === "" && rawFraction === "") return undefined;
  const whole = rawWhole.replace(/^0+(?=\d)/, "") || "0";
  const fraction = rawFraction.replace(/0+$/, "");
  const body = fraction ? `${whole}.${fraction}` : whole;
  return sign === "-" && body !== "0" ? `-${body}` : body;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True for a real calendar day (years 0001-9999, which the patterns allow). */
function isCalendarDay(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function inRange(path: string, field: ModelField, date: Date): Date {
  const time = date.getTime();
  if (Number.isNaN(time)) fail(path, field, date, "a valid Date (got Invalid Date)");
  if (time < MIN_DATETIME.getTime() || time > MAX_DATETIME.getTime()) {
    throw new ValidationError(`'${path}' is outside the supported range: ${field.kind} values must be ${RANGE_TEXT}`, {
      field: path,
      fix: "Store instants of years 0001-9999 only; every database then stores and orders them the same way",
    });
  }
  return date;
}

/**
 * Parses an ISO-8601 string strictly (a real calendar day, hours 0-23, minutes and seconds 0-59,
 * offsets up to +-23:59; no offset = UTC) or takes a Date; the instant must lie in years 0001-9999 UTC.
 * Fractions beyond milliseconds are truncated.
 */
export function toDate(path: string, field: ModelField, value: unknown): Date {
  if (value instanceof Date) return inRange(path, field, value);
  const m = typeof value === "string" ? ISO_DATETIME.exec(value) : null;
  if (!m) return fail(path, field, value, 'a Date or an ISO-8601 string such as "2024-01-31T12:00:00Z"');
  const [, y, mo, d, h = "0", mi = "0", sec = "0", fraction = "", , sign, oh = "0", om = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const problem = !isCalendarDay(year, month, day)
    ? `${y}-${mo}-${d} is not a calendar date`
    : Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59
      ? "the time of day is out of range (hours 0-23, minutes and seconds 0-59)"
      : Number(oh) > 23 || Number(om) > 59
        ? "the UTC offset is out of range (at most +-23:59)"
        : undefined;
  if (problem) {
    throw new ValidationError(`'${path}' is not a valid ${field.kind}: ${problem}`, {
      field: path,
      fix: `Field '${field.name}' is declared as ${field.kind}; pass a real instant such as "2024-01-31T12:00:00Z"`,
    });
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const offsetMinutes = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  date.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(sec), Number(fraction.slice(0, 3).padEnd(3, "0")));
  return inRange(path, field, date);
}

function checkJson(path: string, value: unknown, depth: number): void {
  if (depth > 100) throw new ValidationError(`'${path}' is nested more than 100 levels deep`, { field: path });
  switch (typeof value) {
    case "string":
      assertPortableText(path, value);
      return;
    case "number":
      if (!Number.isFinite(value)) throw new ValidationError(`'${path}' is ${value}, which JSON cannot hold`, { field: path });
      return;
    case "boolean":
      return;
    case "object": {
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJson(`${path}[${i}]`, value[i], depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new ValidationError(`'${path}' is not plain JSON (a ${value.constructor?.name ?? "class instance"})`, { field: path });
      }
      for (const key of Object.keys(value)) {
        assertPortableText(path, key, `A key of '${path}'`);
        checkJson(`${path}.${key}`, (value as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    default:
      throw new ValidationError(`'${path}' holds ${describe(value)}, which JSON cannot hold`, { field: path });
  }
}

/**
 * Validates one value for a field and returns its canonical JS form.
 * `null` is accepted only for nullable fields; `undefined` is always an error.
 */
export function validateValue(field: ModelField, value: unknown, path: string): unknown {
  if (value === undefined) {
    throw new ValidationError(`'${path}' is undefined`, {
      field: path,
      fix: "Omit the key to leave the field unset, or pass null to store NULL",
    });
  }
  if (value === null) {
    if (field.nullable) return null;
    throw new ValidationError(`'${path}' is null but field '${field.name}' is not optional`, {
      field: path,
      fix: "Pass a value, or declare the field with .optional()",
    });
  }
  switch (field.kind) {
    case "string":
    case "text":
      return typeof value === "string" ? checkText(path, field, value) : fail(path, field, value, "a string");
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value)
        ? value
        : fail(path, field, value, "a safe integer (|n| <= 2^53-1; use field.bigint() for larger values)");
    case "bigint": {
      let big: bigint | undefined;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === "string" && INTEGER_TEXT.test(value)) big = BigInt(value);
      if (big === undefined) return fail(path, field, value, "a bigint, a safe integer or an integer string");
      if (big < INT64_MIN || big > INT64_MAX) {
        throw new ValidationError(`'${path}' is outside the signed 64-bit range`, { field: path });
      }
      return big;
    }
    case "float":
      return typeof value === "number" && Number.isFinite(value) ? value : fail(path, field, value, "a finite number");
    case "decimal": {
      const text =
        typeof value === "string"
          ? value
          : typeof value === "number" && Number.isFinite(value)
            ? String(value)
            : typeof value === "bigint"
              ? value.toString()
              : undefined;
      const canonical = text === undefined ? undefined : canonicalDecimal(text);
      if (canonical === undefined) return fail(path, field, value, 'a decimal string such as "12.50" (or a finite number)');
      const [whole, fraction = ""] = canonical.replace("-", "").split(".");
      const scale = field.scale ?? 10;
      const precision = field.precision ?? 38;
      if (fraction.length > scale || (whole === "0" ? 0 : whole!.length) > precision - scale) {
        throw new ValidationError(`'${path}' does not fit decimal(${precision}, ${scale})`, {
          field: path,
          fix: `At most ${precision - scale} digits before and ${scale} after the point; declare a larger precision/scale`,
        });
      }
      return canonical;
    }
    case "boolean":
      return typeof value === "boolean" ? value : fail(path, field, value, "a boolean");
    case "datetime":
      return toDate(path, field, value);
    case "date": {
      if (value instanceof Date) return inRange(path, field, value).toISOString().slice(0, 10);
      const m = typeof value === "string" ? ISO_DATE.exec(value) : null;
      if (!m) return fail(path, field, value, "a date string 'YYYY-MM-DD'");
      if (!isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) {
        throw new ValidationError(`'${path}' is not a valid date: ${value as string} is not a calendar date (years 0001-9999)`, {
          field: path,
          fix: `Field '${field.name}' is declared as date; pass a real day 'YYYY-MM-DD'`,
        });
      }
      return value;
    }
    case "json":
      checkJson(path, value, 0);
      return value;
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : fail(path, field, value, "a UUID string");
    case "enum":
      if (typeof value === "string" && field.enumValues?.includes(value)) return value;
      return fail(path, field, value, `one of ${JSON.stringify(field.enumValues)}`);
    case "vector": {
      const dims = field.dimensions ?? 0;
      if (!Array.isArray(value) || value.length !== dims) {
        return fail(path, field, value, `an array of ${dims} numbers`);
      }
      for (let i = 0; i < value.length; i++) {
        if (typeof value[i] !== "number" || !Number.isFinite(value[i])) fail(`${path}[${i}]`, field, value[i], "a finite number");
      }
      return value;
    }
  }
}
