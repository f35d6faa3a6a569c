import { describe, expect, it } from "vitest";
import { ConnectionError, Model, TimeoutError, TooManyConnectionsError, TransactionError, ValidationError, parseFilter } from "@dataflow/kernel/plugin";
import { field } from "@dataflow/kernel";
import type { Dialect } from "../src/index.js";
import { FAILURES, Params, compileFilter, failure, invalidRegex, withRegexField } from "../src/index.js";

describe("the shared failure table", () => {
  it("gives each failure kind one class and one retryable, whatever the database", () => {
    const expected: Record<string, [new (...a: never[]) => Error, boolean]> = {
      "connection-lost": [ConnectionError, true],
      "connection-refused": [ConnectionError, true],
      authentication: [ConnectionError, false],
      "unknown-database": [ConnectionError, false],
      "too-many-connections": [TooManyConnectionsError, true],
      "acquire-timeout": [TimeoutError, true],
      deadlock: [TransactionError, true],
      serialization: [TransactionError, true],
      "lock-timeout": [TransactionError, true],
      "schema-changed": [TransactionError, true],
      "statement-timeout": [TimeoutError, false],
    };
    expect(Object.keys(FAILURES).sort()).toEqual(Object.keys(expected).sort());
    for (const [kind, [cls, retryable]] of Object.entries(expected)) {
      const error = failure(kind as keyof typeof FAILURES, "m", new Error("driver"));
      expect(error, kind).toBeInstanceOf(cls);
      expect(error.retryable, kind).toBe(retryable);
      expect(error.fix, kind).toBeTruthy();
    }
  });

  it("an invalid regex reported by the server is re-made to name the $regex operand(s)", () => {
    const M = new Model("Thing", { name: field.string(), code: field.string() });
    const { ast } = parseFilter(M, { $or: [{ code: "x" }, { name: { $regex: "a+" } }] });
    const named = withRegexField(invalidRegex("PostgreSQL", new Error("invalid regular expression")), ast);
    expect(named).toBeInstanceOf(ValidationError);
    expect(named.field).toBe("filter.$or[1].name.$regex");
    const other = new ValidationError("other");
    expect(withRegexField(other, ast)).toBe(other);
  });

  it("a dialect's regexError stops a pattern before any SQL, naming the operand", () => {
    const M = new Model("Thing", { name: field.string() });
    const dialect = {
      name: "test",
      quote: (c: string) => `"${c}"`,
      placeholder: () => "?",
      regex: (c: string, p: string) => `${c} ~ ${p}`,
      regexError: (p: string) => (p.includes("\\1") ? "no backreferences" : undefined),
    } as unknown as Dialect;
    const bad = parseFilter(M, { name: { $regex: "(a)\\1" } }).ast;
    expect(() => compileFilter(bad, dialect, new Params(dialect))).toThrow(expect.objectContaining({ field: "filter.name.$regex" }));
    const params = new Params(dialect);
    expect(compileFilter(parseFilter(M, { name: { $regex: "a+" } }).ast, dialect, params)).toBe(`"name" ~ ?`);
  });
});
