import type { DataFlow, ExecuteOptions, NodeDefinition, Workflow } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder, WorkflowExecutionError, defineNode, field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { expect } from "vitest";
import type { RawConnection } from "./providers.js";

export type Step = readonly [type: string | NodeDefinition, id: string, params?: Record<string, unknown>];

/** A workflow whose steps run in the order given: each step depends on the one before it. */
export function chain(db: DataFlow, steps: readonly Step[]): Workflow {
  const wf = new WorkflowBuilder({ dataflow: db });
  steps.forEach(([type, id, params], i) => {
    wf.addNode(type, id, params ?? {});
    if (i > 0) wf.addDependency(steps[i - 1]![1], id);
  });
  return wf.build();
}

export async function runChain(db: DataFlow, steps: readonly Step[], options: ExecuteOptions = {}): Promise<Record<string, any>> {
  return (await new LocalRuntime({ dataflow: db }).execute(chain(db, steps), options)).results;
}

/** The error a run failed with; fails the test when the run succeeded. */
export async function runFailure(work: Promise<unknown>): Promise<WorkflowExecutionError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowExecutionError);
    return error as WorkflowExecutionError;
  }
  throw new Error("expected the run to fail, and it succeeded");
}

/** The models every suite uses. */
export function declareModels(db: DataFlow) {
  return {
    Account: db.model("Account", { name: field.string().unique(), balance: field.int() }),
    Doctor: db.model("Doctor", { name: field.string().unique(), on_call: field.boolean() }),
  };
}

/** Committed accounts as `name=balance`, sorted, read through a raw driver connection. */
export async function committedAccounts(raw: RawConnection): Promise<string[]> {
  const rows = await raw.query<{ name: string; balance: unknown }>("SELECT name, balance FROM accounts ORDER BY name");
  return rows.map((r) => `${r.name}=${Number(r.balance)}`);
}

/** A custom node that runs one SQL statement where a generated node would: `adapter.executorFor(ctx)`. */
export function sqlNode(db: DataFlow, type = "Test_Sql"): NodeDefinition<{ sql: string }> {
  const adapter = db.adapter as DatabaseAdapter;
  return defineNode<{ sql: string }>({
    type,
    params: { sql: { type: "string", required: true } },
    async run(params, ctx) {
      const { rows } = await adapter.executorFor(ctx).query(params.sql, []);
      return { rows };
    },
  });
}

/**
 * A node that signals when it starts and then waits until `open()` is called or the run is
 * aborted, whichever comes first (it then returns normally): a deterministic point inside a run.
 */
export function gate(type = "Test_Gate") {
  let markReached!: () => void;
  let markOpen!: () => void;
  const reached = new Promise<void>((resolve) => (markReached = resolve));
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const node = defineNode({
    type,
    params: {},
    async run(_params, ctx) {
      markReached();
      const aborted = new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await Promise.race([opened, aborted]);
      return { result: true };
    },
  });
  return { node, reached, open: () => markOpen() };
}

/** A promise with its resolve function, for interleaving two runs step by step. */
export function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
