import type { DataFlow, NodeDefinition } from "@dataflow/kernel";
import { defineNode } from "@dataflow/kernel";
import type { MysqlAdapter } from "../src/index.js";

export { failureOf as failure, runNode } from "@dataflow/testing";

/** A custom node that runs one SQL statement through the adapter the way generated nodes do (cancellable, mapped errors). */
export function sqlNode(db: DataFlow): NodeDefinition<{ sql: string; params?: unknown[] }> {
  const adapter = db.adapter as MysqlAdapter;
  return defineNode<{ sql: string; params?: unknown[] }>({
    type: "Test_Sql",
    params: { sql: { type: "string", required: true }, params: { type: "array" } },
    async run(params, ctx) {
      try {
        return await adapter.executorFor(ctx).query(params.sql, params.params ?? []);
      } catch (error) {
        throw adapter.mapError(error);
      }
    },
  });
}

/** Polls until `check` holds (bounded), for server-side state that settles asynchronously. */
export async function eventually(check: () => Promise<boolean>, what: string, attempts = 200, delayMs = 25): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error(`gave up waiting until ${what}`);
}
