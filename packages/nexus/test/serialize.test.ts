import { describe, expect, it } from "vitest";
import { toJson } from "../src/serialize.js";
import { toProblem } from "../src/problem.js";
import { DatabaseError, DataFlowError, PluginError, SchemaDriftError, ValidationError, WorkflowExecutionError } from "@dataflow/kernel";

describe("toJson", () => {
  it("writes bigint as a decimal string and Date as ISO 8601", () => {
    expect(toJson({ n: 2n ** 63n - 1n, at: new Date(0) })).toBe('{"n":"9223372036854775807","at":"1970-01-01T00:00:00.000Z"}');
    expect(toJson({ a: 1 })).toBe('{"a":1}');
  });
});

describe("toProblem", () => {
  it("keeps an input error's message and field, and hides a database error's", () => {
    const input = toProblem(new WorkflowExecutionError("create", "run-1", new ValidationError("bad 'x'", { field: "x", fix: "Use y" }), {}));
    expect(input).toMatchObject({ status: 400, errorClass: "ValidationError", field: "x", fix: "Use y", nodeId: "create", runId: "run-1" });
    const db = toProblem(new DatabaseError('syntax error at or near "SELECT * FROM secrets"'));
    expect(db).toMatchObject({ status: 500, errorClass: "DatabaseError" });
    expect(JSON.stringify(db)).not.toContain("SELECT");
    const plain = toProblem(new Error("boom at /srv/app.js:1"));
    expect(plain).toMatchObject({ status: 500, errorClass: "Error", code: "INTERNAL" });
    expect(JSON.stringify(plain)).not.toContain("boom");
  });
});

describe("toProblem for typed server-side failures", () => {
  it("keeps the class, field and fix of schema and plugin errors, with their message", () => {
    const drift = toProblem(
      new SchemaDriftError("Column 'users.age' is text in the database", { table: "users", column: "age" }, { fix: "Declare it as field.string()" }),
    );
    expect(drift).toMatchObject({
      status: 500,
      title: "Database schema mismatch",
      errorClass: "SchemaDriftError",
      code: "SCHEMA_DRIFT",
      field: "age",
      fix: "Declare it as field.string()",
    });
    expect(drift.detail).toContain("users.age");
    const plugin = toProblem(new PluginError("No adapter is registered for the URL scheme 'foo:'", { field: "url", fix: "Install the adapter" }));
    expect(plugin).toMatchObject({ status: 500, title: "Plugin failure", errorClass: "PluginError", field: "url", fix: "Install the adapter" });
  });

  it("keeps a database error's class and fix but never its (driver) message", () => {
    const db = toProblem(new DatabaseError('PostgreSQL error 42601: syntax error at or near "SELECT"', { fix: "Report it" }));
    expect(db).toMatchObject({ status: 500, errorClass: "DatabaseError", code: "DATABASE_ERROR", fix: "Report it" });
    expect(db.detail).not.toContain("SELECT");
  });

  it("answers an unknown DataFlowError subclass typed, with a fixed detail", () => {
    class VendorError extends DataFlowError {
      override readonly code = "VENDOR";
    }
    const p = toProblem(new VendorError("SELECT secret FROM vault", { field: "x", fix: "Retry" }));
    expect(p).toMatchObject({ status: 500, errorClass: "VendorError", code: "VENDOR", field: "x", fix: "Retry" });
    expect(JSON.stringify(p)).not.toContain("vault");
  });
});
