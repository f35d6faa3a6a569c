import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { runAdapterConformance } from "@dataflow/testing";
import auditedSqlite, { AuditTrail } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "acme-audited-"));
const file = join(dir, "acme.db");

// The same contract every first-party adapter meets, checked through a raw driver handle.
runAdapterConformance({
  name: "@acme/dataflow-audited-sqlite",
  createDataFlow: (options) => new DataFlow({ url: `acme-sqlite://${file}`, plugins: [auditedSqlite], ...options }),
  // Bounded-work cases run in a worker thread the suite can terminate; it needs a factory module of its own.
  worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url: `acme-sqlite://${file}` } },
  urls: { invalid: [`acme-sqlite:${join(dir, "x%zz.db")}`, "acme-sqlite://relative.db", `acme-sqlite:${join(dir, "nul%00.db")}`] },
  createOracle() {
    const raw = new Database(file);
    raw.defaultSafeIntegers(true);
    const exists = (t: string) => raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    return {
      rows: async (t) => (exists(t) ? (raw.prepare(`SELECT * FROM "${t}" ORDER BY id`).all() as Record<string, unknown>[]) : []),
      count: async (t) => (exists(t) ? Number((raw.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: bigint }).n) : 0),
      columns: async (t) => (raw.prepare("SELECT name FROM pragma_table_info(?)").all(t) as Array<{ name: string }>).map((c) => c.name),
      close: async () => void raw.close(),
    };
  },
  skip: [{ test: "hostile: util.inspect of a DataFlow never prints the URL's password", reason: "acme-sqlite: URLs carry no credentials" }],
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});

describe("the plugin's own node", () => {
  it("returns the statements the generated nodes ran", async () => {
    const db = new DataFlow({ url: "acme-sqlite::memory:", plugins: [auditedSqlite] });
    try {
      const Note = db.model("Note", { text: field.string() });
      const wf = new WorkflowBuilder({ dataflow: db })
        .addNode(Note.nodes.Create, "create", { data: { text: "audited" } })
        .addNode(AuditTrail, "trail", { contains: "INSERT" })
        .addDependency("create", "trail")
        .build();
      const { results } = await new LocalRuntime({ dataflow: db }).execute(wf);
      expect(results.trail.count).toBe(1);
      expect(results.trail.result[0]?.statement).toMatch(/^INSERT INTO "notes"/);
      expect(results.trail.result[0]?.parameters).toBe(3);
    } finally {
      await db.close();
    }
  });
});
