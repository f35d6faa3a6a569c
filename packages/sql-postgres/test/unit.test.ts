// Pure logic only (no server): text encodings, parsing and settings.
import type { ModelField } from "@dataflow/kernel/plugin";
import { ValidationError } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import type { Model } from "@dataflow/kernel";
import {
  copyField,
  formatInstant,
  parseTimestamp,
  postgresDialect,
  qualifiedTable,
  quoteLiteral,
  redactServerText,
  resolveSettings,
  roundsByKey,
} from "../src/index.js";
import { StatementNames } from "../src/statement-names.js";

const field = (name: string, kind: ModelField["kind"]): ModelField => ({
  name,
  kind,
  nullable: true,
  unique: false,
  index: false,
  default: undefined,
  maxLength: undefined,
  enumValues: undefined,
  dimensions: undefined,
  precision: undefined,
  scale: undefined,
  primaryKey: false,
  autoIncrement: false,
  system: false,
});

describe("COPY text format", () => {
  it("escapes backslash, tab, newline and carriage return and nothing else", () => {
    expect(copyField("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
    expect(copyField("\\N")).toBe("\\\\N");
    expect(copyField("\\.")).toBe("\\\\.");
    expect(copyField('😀 \'; DROP TABLE x; -- "q" ,|')).toBe('😀 \'; DROP TABLE x; -- "q" ,|');
  });

  it("writes NULL as \\N and booleans as t/f", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField(undefined)).toBe("\\N");
    expect(copyField(true)).toBe("t");
    expect(copyField(false)).toBe("f");
    expect(copyField(-12)).toBe("-12");
  });
});

describe("timestamp parsing", () => {
  it("reads timestamps without an offset as UTC", () => {
    expect((parseTimestamp("2024-03-10 02:30:00") as Date).toISOString()).toBe("2024-03-10T02:30:00.000Z");
    expect((parseTimestamp("2024-03-10 02:30:00.123456") as Date).toISOString()).toBe("2024-03-10T02:30:00.123Z");
  });

  it("applies offsets of hours, minutes and seconds", () => {
    expect((parseTimestamp("2024-03-10 02:30:00-05") as Date).toISOString()).toBe("2024-03-10T07:30:00.000Z");
    expect((parseTimestamp("2024-03-10 02:30:00.5+05:30") as Date).toISOString()).toBe("2024-03-09T21:00:00.500Z");
    expect((parseTimestamp("1900-01-01 00:00:00+00:09:21") as Date).toISOString()).toBe("1899-12-31T23:50:39.000Z");
  });

  it("keeps years below 100, after 9999 and BC", () => {
    expect((parseTimestamp("0044-03-15 12:00:00+00") as Date).getUTCFullYear()).toBe(44);
    expect((parseTimestamp("12345-01-01 00:00:00+00") as Date).getUTCFullYear()).toBe(12345);
    expect((parseTimestamp("0044-03-15 12:00:00+00 BC") as Date).getUTCFullYear()).toBe(-43);
    expect(parseTimestamp("infinity")).toBe(Infinity);
  });

  it("reads every common form by character codes exactly as its fields say", () => {
    // Deterministic pseudo-random texts: years 100-9999, 0-6 fraction digits, no offset or +-HH[:MM[:SS]].
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const p2 = (n: number) => String(n).padStart(2, "0");
    for (let i = 0; i < 2000; i++) {
      const [year, month, day, hour, minute, second] = [100 + next(9900), 1 + next(12), 1 + next(28), next(24), next(60), next(60)];
      const digits = next(7);
      const fraction = Array.from({ length: digits }, () => next(10)).join("");
      const form = next(4);
      const [oh, om, os] = [next(15), next(60), next(60)];
      const sign = next(2) === 0 ? "+" : "-";
      const offset = form === 0 ? "" : `${sign}${p2(oh)}${form >= 2 ? `:${p2(om)}` : ""}${form === 3 ? `:${p2(os)}` : ""}`;
      const text = `${String(year).padStart(4, "0")}-${p2(month)}-${p2(day)} ${p2(hour)}:${p2(minute)}:${p2(second)}${digits ? `.${fraction}` : ""}${offset}`;
      const ms = digits ? Number(fraction.padEnd(3, "0").slice(0, 3)) : 0;
      const offsetSeconds = form === 0 ? 0 : (sign === "-" ? -1 : 1) * (oh * 3600 + (form >= 2 ? om * 60 : 0) + (form === 3 ? os : 0));
      const expected = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetSeconds * 1000;
      expect((parseTimestamp(text) as Date).getTime(), text).toBe(expected);
    }
  });

  it("returns a new Date for a repeated text, and leaves malformed texts invalid", () => {
    const first = parseTimestamp("2024-03-10 02:30:00.5+00") as Date;
    const again = parseTimestamp("2024-03-10 02:30:00.5+00") as Date;
    expect(again).not.toBe(first);
    first.setTime(0);
    expect(again.toISOString()).toBe("2024-03-10T02:30:00.500Z");
    expect((parseTimestamp("2024-03-10 02:30:00.5+00") as Date).toISOString()).toBe("2024-03-10T02:30:00.500Z");
    for (const bad of ["", "2024-03-10", "2024-03-10 02:30:00.1234567+00", "2024-03-10 02:30:00+5", "2024-03-10 02:3a:00", "2024-03-10 02:30:00 UTC"]) {
      expect(Number.isNaN((parseTimestamp(bad) as Date).getTime()), bad).toBe(true);
    }
  });

  it("formats instants PostgreSQL can read back, outside years 1-9999 too", () => {
    for (const iso of ["2024-02-29T23:59:59.999Z", "0001-01-01T00:00:00.000Z"]) {
      expect((parseTimestamp(formatInstant(new Date(iso)).replace("T", " ").replace("Z", "+00")) as Date).toISOString()).toBe(iso);
    }
    const far = new Date(Date.UTC(12345, 0, 2, 3, 4, 5, 6));
    expect(formatInstant(far)).toBe("12345-01-02 03:04:05.006+00");
    const bc = new Date(0);
    bc.setUTCFullYear(-43, 2, 15);
    expect(formatInstant(bc)).toBe("0044-03-15 00:00:00.000+00 BC");
    expect((parseTimestamp(formatInstant(bc)) as Date).getTime()).toBe(bc.getTime());
  });
});

describe("settings from the URL and options", () => {
  it("takes pool settings from the URL and leaves the rest for pg", () => {
    const s = resolveSettings("postgresql://u:p@h:5433/db?max=7&statement_timeout=2500&idle_timeout=100&connect_timeout=3&sslmode=disable");
    expect(s).toMatchObject({ max: 7, statementTimeoutMs: 2500, idleTimeoutMs: 100, acquireTimeoutMs: 3000, applicationName: "dataflow" });
    expect(s.connectionString).toBe("postgresql://u:p@h:5433/db?sslmode=disable");
  });

  it("lets options.pool win over the URL", () => {
    const s = resolveSettings("postgres://h/db?max=7&statement_timeout=2500", { max: 3, statementTimeoutMs: 10, acquireTimeoutMs: 50 });
    expect(s).toMatchObject({ max: 3, statementTimeoutMs: 10, acquireTimeoutMs: 50 });
    expect(s.connectionString).toBe("postgres://h/db");
  });

  it("keeps a URL application_name", () => {
    expect(resolveSettings("postgres://h/db?application_name=billing").applicationName).toBe("billing");
  });

  it("rejects bad numbers, naming the setting and not the URL", () => {
    let caught: unknown;
    try {
      resolveSettings("postgres://u:hunter2@h/db?max=zero");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe("max");
    expect((caught as Error).message).not.toContain("hunter2");
    expect(() => resolveSettings("postgres://h/db", { max: 0 })).toThrow(ValidationError);
    expect(() => resolveSettings("mysql://h/db")).toThrow(ValidationError);
  });
});

describe("dialect text", () => {
  it("begins transactions with isolation level and read only", () => {
    expect(postgresDialect.begin({})).toEqual(["BEGIN"]);
    expect(postgresDialect.begin({ isolationLevel: "serializable", readOnly: true })).toEqual(["BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY"]);
    expect(postgresDialect.begin({ isolationLevel: "repeatable read" })).toEqual(["BEGIN ISOLATION LEVEL REPEATABLE READ"]);
  });

  it("quotes literals the same with and without standard_conforming_strings", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("a\\b'")).toBe("E'a\\\\b'''");
  });

  it("qualifies a table placed in a schema, and introspects that schema", () => {
    expect(qualifiedTable({ table: "users" } as Model)).toBe('"users"');
    expect(qualifiedTable({ table: "users", schema: "tenant_a" } as unknown as Model)).toBe('"tenant_a"."users"');
    expect(postgresDialect.catalog.columns("users")).toMatchObject({ params: ["users"] });
    expect(postgresDialect.catalog.columns("users").text).toContain("current_schema()");
    const inSchema = postgresDialect.catalog.columns("users", "tenant_a");
    expect(inSchema.params).toEqual(["users", "tenant_a"]);
    expect(inSchema.text).not.toContain("current_schema()");
  });

  it("encodes JSON as text and bigint as digits", () => {
    expect(postgresDialect.encode(field("j", "json"), [1, "a"])).toBe('[1,"a"]');
    expect(postgresDialect.encode(field("b", "bigint"), 2n ** 63n - 1n)).toBe("9223372036854775807");
    expect(postgresDialect.encodeJsonElement("x")).toBe('["x"]');
  });

  it("decodes int8 text to number or bigint and numeric to a canonical decimal", () => {
    expect(postgresDialect.decoder(field("i", "int"))!("9007199254740991")).toBe(9007199254740991);
    expect(postgresDialect.decoder(field("b", "bigint"))!("-9223372036854775808")).toBe(-(2n ** 63n));
    expect(postgresDialect.decoder(field("d", "decimal"))!("0012.5000000000")).toBe("12.5");
  });
});

describe("redaction of server text", () => {
  it("removes values from key details, failing rows and input-syntax messages", () => {
    expect(redactServerText("Key (email)=(alice@x.com) already exists.")).toBe("Key (email)=(***) already exists.");
    expect(redactServerText('Key (user_id)=(42) is not present in table "users".')).toBe('Key (user_id)=(***) is not present in table "users".');
    expect(redactServerText("Failing row contains (1, secret, null).")).toBe("Failing row contains (***).");
    expect(redactServerText('invalid input syntax for type integer: "secret"')).toBe('invalid input syntax for type integer: "***"');
    expect(redactServerText('value "99999999999" is out of range for type integer')).toBe("value *** is out of range for type integer");
  });
});

describe("upsert rounds", () => {
  it("puts the k-th row of a key in round k and never pairs NULL keys", () => {
    const n = field("n", "int");
    const email = field("email", "string");
    const rows = [
      [1, "a"],
      [2, "b"],
      [3, "a"],
      [4, null],
      [5, null],
      [6, "a"],
    ];
    const rounds = roundsByKey(rows, [n, email], [email], postgresDialect.encode);
    expect(rounds.map((r) => r.map((x) => x[0]))).toEqual([[1, 2, 4, 5], [3], [6]]);
  });
});

describe("prepared statement names", () => {
  it("names a text from its second use on, with one stable name", () => {
    const names = new StatementNames(10);
    expect(names.nameFor("SELECT $1")).toBeUndefined();
    const name = names.nameFor("SELECT $1");
    expect(name).toMatch(/^df_[A-Za-z0-9_-]{22}$/);
    expect(names.nameFor("SELECT $1")).toBe(name);
    expect(new StatementNames(10).nameFor("SELECT $2")).toBeUndefined();
  });

  it("stays within its bound and never names very long texts", () => {
    const names = new StatementNames(2, 100);
    for (const t of ["a", "b", "c"]) {
      names.nameFor(t);
      names.nameFor(t);
    }
    expect(names.size).toBe(2);
    expect(names.nameFor("c")).toBeUndefined();
    const long = "x".repeat(101);
    names.nameFor(long);
    expect(names.nameFor(long)).toBeUndefined();
  });
});
