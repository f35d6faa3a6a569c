import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { ConnectionError, DataFlow, LocalRuntime, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import type { Plugin } from "@dataflow/kernel/plugin";
import type { ServerControl } from "@dataflow/testing";
import { transactions } from "../src/index.js";

/** What the kill test needs from one database: a raw statement, and a trigger that parks one insert. */
export interface KillTarget {
  readonly url: string;
  readonly server: ServerControl;
  readonly adapterPlugin: Plugin;
  /** One statement on a fresh raw connection (closed after it). */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  /** Makes the insert of the row with n = `at` sleep in the server, so the bulk write is caught half-way. */
  parkInsertAt(table: string, at: number): Promise<void>;
  /** True once an insert is parked. */
  parked(): Promise<boolean>;
  dropPark(table: string): Promise<void>;
  quote(name: string): string;
}

async function eventually(check: () => Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const ROWS = 200_000;

/**
 * The server killed with SIGKILL during a 200,000-row BulkCreate of a `transaction: true` run: the run
 * fails with a retryable ConnectionError, nothing of it is stored once the server restarts on the
 * same data directory and port, and the same DataFlow instance serves work again.
 */
export function serverKillCase(target: () => KillTarget): void {
  it("SIGKILL during a 200,000-row BulkCreate in transaction: true: retryable ConnectionError, 0 rows after restart, the instance serves again", {
    timeout: 180_000,
  }, async () => {
    const t = target();
    const db = new DataFlow({ url: t.url, plugins: [t.adapterPlugin, transactions()], pool: { max: 3 } });
    try {
      const table = `killed_${randomBytes(4).toString("hex")}`;
      db.model("Killed", { n: field.int(), note: field.string() }, { table });
      await db.initialize();
      await t.parkInsertAt(table, 150_000);
      const runtime = new LocalRuntime({ dataflow: db });
      const data = Array.from({ length: ROWS }, (_, n) => ({ n, note: `bulk ${n}` }));
      const bulk = new WorkflowBuilder({ dataflow: db }).addNode("Killed_BulkCreate", "bulk", { data }).build();
      const running = runtime.execute(bulk, { transaction: true }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await eventually(() => t.parked(), "the bulk write is half-way");
      await t.server.kill();
      const error = await running;
      expect(error).toBeInstanceOf(WorkflowExecutionError);
      const cause = (error as WorkflowExecutionError).cause;
      expect(cause).toBeInstanceOf(ConnectionError);
      expect((cause as ConnectionError).retryable).toBe(true);

      await t.server.start();
      expect(Number((await t.raw(`SELECT COUNT(*) AS n FROM ${t.quote(table)}`))[0]!.n)).toBe(0);
      await t.dropPark(table);

      const after = new WorkflowBuilder({ dataflow: db })
        .addNode("Killed_Create", "create", { data: { n: 1, note: "after restart" } })
        .addNode("Killed_List", "list", {})
        .addDependency("create", "list")
        .build();
      const { results } = await runtime.execute(after, { transaction: true });
      expect(results.create.result.note).toBe("after restart");
      expect(results.list.result.map((r: { note: string }) => r.note)).toEqual(["after restart"]);
    } finally {
      await db.close();
    }
  });
}
