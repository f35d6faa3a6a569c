import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataFlow, LocalRuntime, TransactionError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import type { SqliteAdapter } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-wf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("workflows on SQLite", () => {
  it("the DESIGN example: create a user, pass its id into an order", async () => {
    const db = new DataFlow();
    try {
      db.model("User", { id: field.string(), name: field.string(), email: field.string().unique() });
      db.model("Order", { user_id: field.string(), total: field.decimal() });
      const wf = new WorkflowBuilder();
      wf.addNode("User_Create", "create_user", { data: { id: "u1", name: "John", email: "john@example.com" } });
      wf.addNode("Order_Create", "create_order", { data: { total: 10 } });
      wf.addConnection("create_user", "result.id", "create_order", "data.user_id");
      const { results, runId } = await new LocalRuntime().execute(wf.build());
      expect(typeof runId).toBe("string");
      expect(results.create_user.result).toMatchObject({ id: "u1", name: "John" });
      expect(results.create_order.result).toMatchObject({ id: 1, user_id: "u1", total: "10" });
    } finally {
      await db.close();
    }
  });

  it("namespaced instances resolve their own nodes", async () => {
    const main = new DataFlow();
    const analytics = new DataFlow({ namespace: "analytics" });
    try {
      main.model("User", { name: field.string() });
      analytics.model("User", { name: field.string(), score: field.int() });
      const wf = new WorkflowBuilder()
        .addNode("User_Create", "a", { data: { name: "main" } })
        .addNode("analytics.User_Create", "b", { data: { name: "analytics", score: 5 } })
        .addNode("analytics.UserCountNode", "n")
        .addDependency("b", "n")
        .build();
      const { results } = await new LocalRuntime().execute(wf);
      expect(results.b.result.score).toBe(5);
      expect(results.n.result).toBe(1);
      expect(() => new WorkflowBuilder({ dataflow: main }).addNode("analytics.User_Create", "x", { data: {} }).build()).toThrow(/Unknown node type/);
    } finally {
      await main.close();
      await analytics.close();
    }
  });

  it("a closed instance's nodes no longer resolve", async () => {
    const db = new DataFlow();
    db.model("Ghost", { name: field.string() });
    await db.close();
    expect(() => new WorkflowBuilder().addNode("Ghost_List", "l").build()).toThrow(/Unknown node type 'Ghost_List'/);
  });

  it("a query outside a transaction waits for it instead of seeing its uncommitted rows", async () => {
    const db = new DataFlow();
    try {
      db.model("Item", { name: field.string() });
      await db.initialize();
      const adapter = db.adapter as SqliteAdapter;
      const tx = await adapter.begin();
      await tx.executor.query(
        `INSERT INTO "items" ("name", "created_at", "updated_at") VALUES ('uncommitted', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')`,
        [],
      );
      const counted = new LocalRuntime({ dataflow: db }).execute(new WorkflowBuilder({ dataflow: db }).addNode("Item_Count", "n").build());
      await new Promise((r) => setImmediate(r));
      await adapter.rollback(tx);
      expect((await counted).results.n.result).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("another process holding the write lock surfaces as a retryable TransactionError", async () => {
    const file = join(dir, "busy.db");
    const db = new DataFlow({ url: `sqlite://${file}`, adapter: { busyTimeoutMs: 50 } });
    const other = new Database(file);
    try {
      db.model("Item", { name: field.string() });
      await db.initialize();
      other.exec("BEGIN IMMEDIATE");
      const error = await new LocalRuntime({ dataflow: db })
        .execute(new WorkflowBuilder({ dataflow: db }).addNode("Item_Create", "c", { data: { name: "x" } }).build())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowExecutionError);
      const cause = (error as WorkflowExecutionError).cause;
      expect(cause).toBeInstanceOf(TransactionError);
      expect((cause as TransactionError).retryable).toBe(true);
      other.exec("ROLLBACK");
      expect(other.prepare(`SELECT COUNT(*) AS n FROM items`).get()).toEqual({ n: 0 });
    } finally {
      other.close();
      await db.close();
    }
  });
});
