// The worker thread of the hostile group's bounded-work cases (built to dist/hostile-worker.js).
import { parentPort, workerData } from "node:worker_threads";
import type { DataFlow } from "@dataflow/kernel";
import { WorkflowExecutionError } from "@dataflow/kernel";
import type { WorkerCase } from "./cases.js";
import { WORKER_CASES } from "./cases.js";
import type { Outcome, WorkerJob, WorkerMessage } from "./protocol.js";
import { summarize } from "./protocol.js";

type Factory = (options: undefined, data: unknown) => DataFlow | Promise<DataFlow>;

const post = (message: WorkerMessage) => parentPort!.postMessage(message);

async function main(job: WorkerJob): Promise<void> {
  let db: DataFlow | undefined;
  let kase: WorkerCase<unknown> | undefined;
  try {
    const mod = (await import(job.module)) as { createDataFlow?: Factory; default?: { createDataFlow?: Factory } };
    const create = mod.createDataFlow ?? mod.default?.createDataFlow;
    if (typeof create !== "function") throw new Error(`${job.module} does not export createDataFlow(options, data)`);
    kase = WORKER_CASES[job.kind as keyof typeof WORKER_CASES] as WorkerCase<unknown>;
    if (!kase) throw new Error(`unknown worker case '${job.kind}'`);
    db = await create(undefined, job.data);
    await kase.setup(db, job.args);
  } catch (error) {
    post({ type: "setup-failed", error: summarize(error) });
    await db?.close().catch(() => undefined);
    return;
  }
  post({ type: "ready" });
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = { ok: true, value: await kase!.run(db!, job.args) };
  } catch (error) {
    outcome = { ok: false, error: summarize(error instanceof WorkflowExecutionError ? error.cause : error) };
  }
  post({ type: "done", outcome, elapsedMs: performance.now() - started });
  await db!.close().catch(() => undefined);
}

await main(workerData as WorkerJob);
