import { describe, expect, it } from "vitest";
import { toJson } from "../src/serialize.js";
import { toProblem } from "../src/problem.js";
import { DatabaseError, ValidationError, WorkflowExecutionError } from "@dataflow/kernel";

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
