import { randomBytes } from "node:crypto";
import { tracingChannel } from "node:diagnostics_channel";
import type { DataFlow, ExecuteOptions } from "@dataflow/kernel";
import type { QueryTraceContext } from "@dataflow/kernel/plugin";
import { LocalRuntime, WorkflowBuilder, WorkflowExecutionError } from "@dataflow/kernel";
import { seededRandom } from "@dataflow/testing";

/** Runs a one-node workflow and returns the node's output. */
export async function runNode<R = any>(db: DataFlow, type: string, params: Record<string, unknown>, options: ExecuteOptions = {}): Promise<R> {
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

/**
 * Every statement sent while `work` runs: the `dataflow:query` tracing channel (pool statements, and
 * PostgreSQL's transaction statements), every connection taken out of the pool (a transaction
 * needs one; MySQL's transaction statements bypass the channel), and for SQLite, whose transaction
 * statements also bypass it, every call of the adapter's statement runner.
 */
export async function statementsDuring(db: DataFlow, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const channel = tracingChannel<unknown, QueryTraceContext>("dataflow:query");
  const handlers = { start: (ctx: QueryTraceContext) => void seen.push(ctx.text) };
  channel.subscribe(handlers as never);
  const adapter = db.adapter as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrapped = ["acquire", ...(db.adapter.databaseType === "sqlite" ? ["exec"] : [])];
  for (const name of wrapped) {
    const original = adapter[name]!;
    adapter[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(name === "exec" ? String(args[0]) : "<acquire a connection>");
      return original.apply(this, args);
    };
  }
  try {
    await work();
  } finally {
    channel.unsubscribe(handlers as never);
    for (const name of wrapped) delete adapter[name];
  }
  return seen;
}

/** A lowercase prefix unique to this test process (schema/database names of the schema strategy). */
export function uniquePrefix(tag: string): string {
  return `t${tag}${randomBytes(3).toString("hex")}_`;
}

/** A small seeded PRNG, so a failing randomized run can be replayed with its seed. */
export const prng = seededRandom;
