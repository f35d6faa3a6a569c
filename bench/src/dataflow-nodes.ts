import type { DataFlow, Model } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import { channels } from "@dataflow/kernel/plugin";
import type { BenchInput, WorkloadId } from "./workload-data.js";
import { FLOW_LIST_LIMIT, LIST_LIMIT, MODEL_NAMES, TABLES, benchFields, benchIndexes } from "./workload-data.js";

type Row = Record<string, unknown>;

/**
 * DataFlow as a user runs it: one model per workload table, a workflow built once per workload,
 * and `runtime.execute(workflow, { parameters })` per operation.
 */
export class DataFlowNodes {
  readonly runtime: LocalRuntime;
  private readonly models = new Map<WorkloadId, Model>();

  constructor(readonly db: DataFlow) {
    this.runtime = new LocalRuntime({ dataflow: db });
  }

  /** Declares the workload's model and creates its table (DataFlow's own DDL). */
  async createTable(workload: WorkloadId): Promise<void> {
    const model = this.db.model(MODEL_NAMES[workload], benchFields, { table: TABLES[workload], indexes: benchIndexes });
    this.models.set(workload, model);
    await this.db.ensureModel(model);
  }

  private model(workload: WorkloadId): Model {
    const m = this.models.get(workload);
    if (!m) throw new Error(`createTable("${workload}") was not called`);
    return m;
  }

  private build(workload: WorkloadId, operation: "Create" | "Read" | "List" | "BulkCreate", params: Row) {
    return new WorkflowBuilder({ dataflow: this.db }).addNode(this.model(workload).nodes[operation], "node", params).build();
  }

  create(workload: WorkloadId): (input: BenchInput) => Promise<Row> {
    const wf = this.build(workload, "Create", { data: {} });
    const runtime = this.runtime;
    return async (input) => (await runtime.execute(wf, { parameters: { node: { data: input } } })).results.node.result;
  }

  read(workload: WorkloadId): (id: number, signal?: AbortSignal) => Promise<Row> {
    const wf = this.build(workload, "Read", { id: 1 });
    const runtime = this.runtime;
    return async (id, signal) =>
      (await runtime.execute(wf, signal ? { parameters: { node: { id } }, signal } : { parameters: { node: { id } } })).results.node.result;
  }

  list(workload: WorkloadId): (tenant: number) => Promise<Row[]> {
    const wf = this.build(workload, "List", { filter: { tenant: 0 }, orderBy: "-score", limit: LIST_LIMIT });
    const runtime = this.runtime;
    return async (tenant) => (await runtime.execute(wf, { parameters: { node: { filter: { tenant } } } })).results.node.result;
  }

  bulkCreate(workload: WorkloadId): (rows: readonly BenchInput[]) => Promise<number> {
    const wf = this.build(workload, "BulkCreate", { data: [] });
    const runtime = this.runtime;
    return async (rows) => (await runtime.execute(wf, { parameters: { node: { data: rows } } })).results.node.result.inserted;
  }
}

/** What one run of the 5-node workflow returns (the raw contender returns the same shape). */
export interface FlowOutput {
  created: Row;
  read: Row;
  updated: Row;
  list: Row[];
  count: number;
}

/**
 * The 5-node workflow of DESIGN.md section 4: Create, Read of the created id (a connection), Update
 * of the read id (a connection), and an independent List of 10 and Count of one tenant.
 */
export function flowWorkflow(nodes: DataFlowNodes, workload: WorkloadId): (input: BenchInput, tenant: number, score: number) => Promise<FlowOutput> {
  const model = nodes.db.models.get(MODEL_NAMES[workload]) as Model;
  const wf = new WorkflowBuilder({ dataflow: nodes.db })
    .addNode(model.nodes.Create, "create", { data: {} })
    .addNode(model.nodes.Read, "read", {})
    .addConnection("create", "result.id", "read", "id")
    .addNode(model.nodes.Update, "update", { fields: {} })
    .addConnection("read", "result.id", "update", "id")
    .addNode(model.nodes.List, "list", { filter: { tenant: 0 }, orderBy: "-score", limit: FLOW_LIST_LIMIT })
    .addNode(model.nodes.Count, "count", { filter: { tenant: 0 } })
    .build();
  const runtime = nodes.runtime;
  return async (input, tenant, score) => {
    const { results } = await runtime.execute(wf, {
      parameters: { create: { data: input }, update: { fields: { score } }, list: { filter: { tenant } }, count: { filter: { tenant } } },
    });
    return {
      created: results.create.result,
      read: results.read.result,
      updated: results.update.result,
      list: results.list.result,
      count: results.count.result,
    };
  };
}

/** The SQL texts DataFlow sends while `fn` runs (read from its query tracing channel, which is unsubscribed afterwards). */
export async function captureSql(fn: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  const ignore = () => {};
  const subscriber = {
    start: (message: { text: string }) => {
      texts.push(message.text);
    },
    end: ignore,
    asyncStart: ignore,
    asyncEnd: ignore,
    error: ignore,
  };
  channels.query.subscribe(subscriber);
  try {
    await fn();
  } finally {
    channels.query.unsubscribe(subscriber);
  }
  return texts;
}
