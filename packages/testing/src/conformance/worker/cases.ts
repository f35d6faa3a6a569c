import type { DataFlow } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import { declareItem } from "../models.js";

/** A bounded-work case: `setup` (not timed) declares and prepares; `run` is the work under the bound. */
export interface WorkerCase<A> {
  setup(db: DataFlow, args: A): Promise<void>;
  run(db: DataFlow, args: A): Promise<unknown>;
}

export interface NodeCaseArgs {
  /** Table of the conformance `Item` model to declare. */
  readonly table: string;
  readonly type: string;
  readonly params: Record<string, unknown>;
}

export interface BuildCaseArgs {
  readonly table: string;
  readonly nodes: ReadonlyArray<{ readonly type: string; readonly id: string; readonly params?: Record<string, unknown> }>;
}

async function prepare(db: DataFlow, table: string): Promise<void> {
  declareItem(db, table);
  await db.initialize();
}

/** Runs one node on the `Item` model; resolves to its output. */
const node: WorkerCase<NodeCaseArgs> = {
  setup: (db, args) => prepare(db, args.table),
  async run(db, { type, params }) {
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
    const { results } = await new LocalRuntime({ dataflow: db }).execute(wf);
    return results.n;
  },
};

/** Builds (does not run) a workflow; resolves to the number of nodes. */
const build: WorkerCase<BuildCaseArgs> = {
  setup: (db, args) => prepare(db, args.table),
  async run(db, { nodes }) {
    const builder = new WorkflowBuilder({ dataflow: db });
    for (const n of nodes) builder.addNode(n.type, n.id, n.params ?? {});
    return builder.build().nodes.length;
  },
};

export const WORKER_CASES = { node, build } as const;
export type WorkerCaseName = keyof typeof WORKER_CASES;
export type WorkerCaseArgs<K extends WorkerCaseName> = (typeof WORKER_CASES)[K] extends WorkerCase<infer A> ? A : never;
