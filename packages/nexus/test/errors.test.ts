// Typed DataFlow errors reach the client with their class, field and fix; an unexpected error is a
// generic 500 whose detail goes to the server's logger only.
import { WorkflowBuilder, defineNode } from "@dataflow/kernel";
import type { Logger } from "@dataflow/kernel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Nexus, runWorkflowCli } from "../src/index.js";
import type { Backend } from "./helpers.js";
import { call, driftedBackend, makeDataFlow, sqliteBackend } from "./helpers.js";

interface Entry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

function memoryLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: Entry["level"]) =>
    (obj: object | string, msg?: string): void => {
      entries.push(typeof obj === "string" ? { level, fields: {}, message: obj } : { level, fields: obj as Record<string, unknown>, message: msg });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const SECRET_DETAIL = "boom: the vault key is in /srv/secrets";

describe("a drifted table at start-up", () => {
  let drifted: Backend;
  beforeAll(async () => {
    drifted = await driftedBackend();
  });
  afterAll(() => drifted.dispose());

  it("refuses to start with the typed SchemaDriftError and logs it with its cause", async () => {
    const logger = memoryLogger();
    const db = makeDataFlow(drifted.url);
    const nexus = new Nexus(db.getWorkflows(), { port: 0, logger });
    await expect(nexus.start()).rejects.toMatchObject({ name: "SchemaDriftError", field: "legacy" });
    const logged = logger.entries.filter((e) => e.level === "error");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toMatch(/could not start/);
    expect((logged[0]!.fields.err as Error).name).toBe("SchemaDriftError");
    await db.close();
  });
});

describe("an unexpected failure", () => {
  let backend: Backend;
  let nexus: Nexus;
  let base: string;
  const logger = memoryLogger();
  beforeAll(async () => {
    backend = sqliteBackend();
    const db = makeDataFlow(backend.url);
    const explode = defineNode({
      type: "Explode",
      params: {},
      run: () => {
        throw new Error(SECRET_DETAIL);
      },
    });
    db.registerWorkflow("explode", new WorkflowBuilder({ dataflow: db }).addNode(explode, "step", {}), {});
    nexus = new Nexus(db.getWorkflows(), { port: 0, logger });
    base = await nexus.start();
  });
  afterAll(async () => {
    await nexus.stop();
    await backend.dispose();
  });

  it("is a generic 500 over REST, and its detail goes to the logger only", async () => {
    const res = await call(base, "POST", "/workflows/explode/execute", { inputs: {} });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ title: "Internal error", errorClass: "Error", code: "INTERNAL", nodeId: "step" });
    expect(typeof res.json.runId).toBe("string");
    expect(res.text).not.toContain("vault");
    const logged = logger.entries.filter((e) => e.level === "error" && e.message === "request failed");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ surface: "rest", workflow: "explode", status: 500, runId: res.json.runId });
    expect((logged[0]!.fields.err as Error).message).toBe(SECRET_DETAIL);
  });

  it("is a generic 500 on the CLI too, logged with its detail", async () => {
    const before = logger.entries.length;
    let stderr = "";
    const code = await runWorkflowCli(
      nexus.workflows,
      { workflow: "explode", logger },
      { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } },
    );
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toMatchObject({ status: 500, code: "INTERNAL" });
    expect(stderr).not.toContain("vault");
    const logged = logger.entries.slice(before);
    expect(logged.map((e) => [e.level, e.fields.surface])).toEqual([["error", "cli"]]);
    expect((logged[0]!.fields.err as Error).message).toBe(SECRET_DETAIL);
  });

  it("logs nothing for a refusal that is the caller's (4xx)", async () => {
    const before = logger.entries.length;
    expect((await call(base, "GET", "/api/User/nobody")).status).toBe(404);
    expect((await call(base, "POST", "/api/User", { nme: 1 })).status).toBe(400);
    expect(logger.entries.slice(before)).toEqual([]);
  });
});
