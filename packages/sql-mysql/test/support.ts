import type { DataFlow, ExecuteOptions, NodeDefinition } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder, WorkflowExecutionError, defineNode } from "@dataflow/kernel";
import type { MysqlAdapter } from "../src/index.js";

/** Runs a one-node workflow and returns the node's output. */
export async function runNode<R = any>(db: DataFlow, type: string | NodeDefinition, params: Record<string, unknown>, options: ExecuteOptions = {}): Promise<R> {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
  const { results } = await new LocalRuntime({ dataflow: db }).execute(wf, options);
  return results.n as R;
}

/** The typed error a run failed with (the node's error, unwrapped). */
export async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error instanceof WorkflowExecutionError ? (error.cause as Error) : (error as Error);
  }
  throw new Error("expected the run to fail, and it succeeded");
}

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
