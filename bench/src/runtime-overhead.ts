/**
 * The runtime's own cost per run, without a database: `runtime.execute` of one trivial node (sync
 * and async `run`), with and without an AbortSignal, and a 5-node chain with connections, next to
 * calling the node's `run` directly. Interleaved, best of 15 rounds (see layers.ts).
 *   node --expose-gc --import tsx src/runtime-overhead.ts
 */
import type { Workflow } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder, defineNode } from "@dataflow/kernel";
import type { Layer } from "./layers.js";
import { measureLayers, nodeContext } from "./layers.js";

const echo = defineNode({
  type: "Bench_Echo",
  params: { id: { type: "integer", required: true }, data: { type: "object" } },
  run: (params: { id: number; data?: Record<string, unknown> }) => ({ result: { id: params.id, name: "x" } }),
});
const echoAsync = defineNode({
  type: "Bench_EchoAsync",
  params: { id: { type: "integer", required: true }, data: { type: "object" } },
  run: async (params: { id: number; data?: Record<string, unknown> }) => ({ result: { id: params.id, name: "x" } }),
});

const runtime = new LocalRuntime();
const single = new WorkflowBuilder().addNode(echo, "node", { id: 1 }).build();
const singleAsync = new WorkflowBuilder().addNode(echoAsync, "node", { id: 1 }).build();
let chainBuilder: any = new WorkflowBuilder().addNode(echoAsync, "n0", { id: 1 });
for (let k = 1; k < 5; k++) chainBuilder = chainBuilder.addNode(echoAsync, `n${k}`, {}).addConnection(`n${k - 1}`, "result.id", `n${k}`, "id");
const chain: Workflow = chainBuilder.build();
const ctx = nodeContext();
const controller = new AbortController();

const layers: Layer[] = [
  ["def.run(params, ctx) (sync node)", (i) => echo.run({ id: i }, ctx), true],
  ["runtime.execute, 1 sync node, parameters", (i) => runtime.execute(single, { parameters: { node: { id: i } } }), false],
  ["runtime.execute, 1 async node, parameters", (i) => runtime.execute(singleAsync, { parameters: { node: { id: i } } }), false],
  ["  + signal", (i) => runtime.execute(singleAsync, { parameters: { node: { id: i } }, signal: controller.signal }), false],
  ["runtime.execute, 5 async nodes chained by connections", (i) => runtime.execute(chain, { parameters: { n0: { id: i } } }), false],
  ["  + signal", (i) => runtime.execute(chain, { parameters: { n0: { id: i } }, signal: controller.signal }), false],
];
await measureLayers("LocalRuntime without a database", layers, 20_000);
