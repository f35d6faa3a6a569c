import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "./helpers.js";
import { call, makeDataFlow, postgresBackend, sqliteBackend, startNexus } from "./helpers.js";
import { Nexus } from "../src/index.js";
import { WorkflowBuilder, defineNode } from "@dataflow/kernel";

const pg = await postgresBackend();
const backends: Array<[string, () => Promise<Backend>, string | undefined]> = [
  ["sqlite", async () => sqliteBackend(), undefined],
  ["postgres", async () => pg as Backend, typeof pg === "string" ? pg : undefined],
];

afterAll(async () => {
  if (typeof pg !== "string") await pg.dispose();
});

describe.each(backends)("REST over a listening server (%s)", (name, backend, skipReason) => {
  let nexus: Nexus;
  let base: string;
  let db: Awaited<ReturnType<typeof startNexus>>["db"];
  let own: Backend;

  beforeAll(async () => {
    if (skipReason) return;
    own = await backend();
    ({ nexus, base, db } = await startNexus(own.url, { bodyLimit: 4096, maxLimit: 50 }));
  });
  afterAll(async () => {
    if (skipReason) return;
    await nexus.stop();
    if (name === "sqlite") await own.dispose();
  });

  it.skipIf(skipReason !== undefined)(`executes workflows and serves the resource routes${skipReason ? ` [${skipReason}]` : ""}`, async () => {
    const created = await call(base, "POST", "/workflows/User_Create/execute", { inputs: { data: { id: "u1", name: "Ada", email: "ada@x.org", age: 36 } } });
    expect(created.status).toBe(200);
    expect(created.json.results.create.result).toMatchObject({ id: "u1", name: "Ada", active: true });
    expect(typeof created.json.runId).toBe("string");
    expect(Number.isNaN(Date.parse(created.json.results.create.result.created_at))).toBe(false);

    const posted = await call(base, "POST", "/api/User", { id: "u2", name: "Alan", email: "alan@x.org", age: 41 });
    expect(posted.status).toBe(201);
    expect(posted.json.result.email).toBe("alan@x.org");
    for (let i = 3; i <= 7; i++) await call(base, "POST", "/api/User", { id: `u${i}`, name: `N${i}`, email: `n${i}@x.org`, age: 20 + i });

    const read = await call(base, "GET", "/api/User/u2");
    expect(read.json.result.name).toBe("Alan");
    const patched = await call(base, "PATCH", "/api/User/u2", { age: 42 });
    expect(patched.json.result.age).toBe(42);

    const filter = encodeURIComponent(JSON.stringify({ age: { $gte: 25 } }));
    const page1 = await call(base, "GET", `/api/User?filter=${filter}&orderBy=-age,id&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.json.result.map((u: { id: string }) => u.id)).toEqual(["u2", "u1"]);
    const page2 = await call(base, "GET", `/api/User?filter=${filter}&orderBy=-age,id&limit=2&after=${encodeURIComponent(page1.json.nextCursor)}`);
    expect(page2.json.result.map((u: { id: string }) => u.id)).toEqual(["u7", "u6"]);

    const order = await call(base, "POST", "/api/Order", { user_id: "u1", total: 9.5 });
    expect(order.status).toBe(201);
    expect(Number.isInteger(order.json.result.id)).toBe(true);
    expect((await call(base, "GET", `/api/Order/${order.json.result.id}`)).json.result.total).toBe(9.5);

    const deleted = await call(base, "DELETE", "/api/User/u7");
    expect(deleted.json.result).toEqual({ id: "u7", deleted: true });
    expect((await call(base, "GET", "/api/User/u7")).status).toBe(404);
    const schema = await call(base, "GET", "/workflows/User_List/schema");
    expect(schema.json.inputSchema.properties.limit).toEqual({ type: "integer", minimum: 0 });
    expect(schema.json.access).toBe("read");
  });

  it.skipIf(skipReason !== undefined)("answers errors as problem+json with the error class and field, and nothing else", async () => {
    const unknown = await call(base, "POST", "/workflows/User_Create/execute", { inputs: { dta: {} } });
    expect(unknown.status).toBe(400);
    expect(unknown.type).toContain("application/problem+json");
    expect(unknown.json).toMatchObject({ status: 400, errorClass: "ValidationError", field: "dta" });
    expect(unknown.json.detail).toMatch(/did you mean 'data'/i);

    await call(base, "POST", "/api/User", { id: "dup1", name: "A", email: "secret-owner@x.org" });
    const dup = await call(base, "POST", "/api/User", { id: "dup2", name: "B", email: "secret-owner@x.org" });
    expect(dup.status).toBe(409);
    expect(dup.json.errorClass).toBe("UniqueViolationError");
    expect(dup.json.field).toBe("email");
    expect(dup.text).not.toContain("secret-owner");
    for (const leak of ["stack", "INSERT", "SELECT", "    at "]) expect(dup.text).not.toContain(leak);

    const badField = await call(base, "POST", "/api/User", { id: "x", name: "A", email: "e@x", nme: 1 });
    expect(badField.json).toMatchObject({ status: 400, errorClass: "ValidationError" });
    expect(badField.json.field).toContain("nme");

    const tooLarge = await call(base, "POST", "/api/User", { id: "big", name: "x".repeat(5000), email: "b@x" });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.errorClass).toBe("PayloadTooLargeError");

    const overLimit = await call(base, "GET", "/api/User?limit=51");
    expect(overLimit.status).toBe(400);
    expect(overLimit.json).toMatchObject({ field: "limit", errorClass: "ValidationError" });
    const defaultLimit = await call(base, "GET", "/api/User");
    expect(defaultLimit.status).toBe(200);

    const badJson = await call(base, "POST", "/api/User", "{not json");
    expect(badJson.json).toMatchObject({ status: 400, field: "body" });
    const badFilter = await call(base, "GET", "/api/User?filter={oops");
    expect(badFilter.json).toMatchObject({ status: 400, field: "filter" });
    const badOp = await call(base, "GET", `/api/User?filter=${encodeURIComponent('{"age":{"$gtx":1}}')}`);
    expect(badOp.json.errorClass).toBe("ValidationError");
    expect((await call(base, "POST", "/workflows/User_Craete/execute", { inputs: {} })).json).toMatchObject({ status: 404, errorClass: "NotFoundError" });
    expect((await call(base, "GET", "/nowhere")).status).toBe(404);
  });

  it.skipIf(skipReason !== undefined)("serves OpenAPI 3.1, health and readiness", async () => {
    const doc = await call(base, "GET", "/openapi.json");
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(["/api/User", "/api/User/{id}", "/workflows/User_Create/execute", "/workflows/Order_List/execute"]),
    );
    expect(doc.json.components.schemas.User.properties.email).toEqual({ type: "string", maxLength: 255 });
    expect((await call(base, "GET", "/health")).json).toEqual({ status: "ok" });
    expect((await call(base, "GET", "/ready")).json.status).toBe("ready");
    expect(db.isClosed).toBe(false);
  });
});

describe("stop()", () => {
  it("drains the request in flight, then closes the database", async () => {
    const own = sqliteBackend();
    const db = makeDataFlow(own.url);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    db.registerNode(
      defineNode({
        type: "Test_Wait",
        params: {},
        run: async () => {
          started();
          await gate;
          return { waited: true };
        },
      }),
    );
    db.registerWorkflow("wait", new WorkflowBuilder({ dataflow: db }).addNode("Test_Wait", "wait", {}).build());
    const nexus = new Nexus(db.getWorkflows(), { port: 0 });
    const base = await nexus.start();
    const inFlight = call(base, "POST", "/workflows/wait/execute", { inputs: {} });
    await running;
    const stopped = nexus.stop();
    expect(db.isClosed).toBe(false);
    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.json.results.wait).toEqual({ waited: true });
    await stopped;
    expect(db.isClosed).toBe(true);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    await own.dispose();
  });
});
