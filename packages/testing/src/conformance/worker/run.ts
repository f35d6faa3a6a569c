import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ConformanceWorker } from "../types.js";
import type { WorkerCaseArgs, WorkerCaseName } from "./cases.js";
import type { ErrorSummary, Outcome, WorkerMessage } from "./protocol.js";

/** Time a worker gets to import the factory module, connect and prepare its model (not the bound). */
const SETUP_MS = 60_000;

export interface BoundedResult {
  readonly outcome: Outcome;
  readonly elapsedMs: number;
}

function runnerPath(): string {
  // This code is bundled into dist/index.js; the worker entry is built next to it.
  const path = fileURLToPath(new URL("./hostile-worker.js", import.meta.url));
  if (!existsSync(path)) throw new Error(`The conformance worker entry is missing at ${path}; build @dataflow/testing`);
  return path;
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]+:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(module).href;
}

const describe = (e: ErrorSummary) => `${e.kinds[0] ?? "error"}: ${e.message}`;

/**
 * Runs a case in a fresh worker thread. The work must finish within `boundMs` (measured from the end
 * of the case's setup); otherwise the worker is terminated and the returned promise rejects.
 */
export function runBounded<K extends WorkerCaseName>(
  worker: ConformanceWorker,
  kind: K,
  args: WorkerCaseArgs<K>,
  boundMs: number,
  what: string,
): Promise<BoundedResult> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(runnerPath(), {
      workerData: { module: moduleUrl(worker.module), data: worker.data, kind, args },
    });
    let settled = false;
    let timer = setTimeout(
      () => finish(new Error(`${what}: the bounded-work worker did not get ready within ${SETUP_MS} ms (import, connect, prepare)`)),
      SETUP_MS,
    );
    const finish = (error: Error | undefined, result?: BoundedResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void thread.terminate();
      if (error) reject(error);
      else resolve(result!);
    };
    thread.on("message", (message: WorkerMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        timer = setTimeout(() => finish(new Error(`${what}: did not finish within ${boundMs} ms, unbounded work (the worker was terminated)`)), boundMs);
      } else if (message.type === "setup-failed") {
        finish(new Error(`${what}: the bounded-work worker failed before the case ran: ${describe(message.error)}`));
      } else {
        finish(undefined, { outcome: message.outcome, elapsedMs: message.elapsedMs });
      }
    });
    thread.on("error", (error) => finish(new Error(`${what}: the bounded-work worker crashed: ${error.message}`, { cause: error })));
    thread.on("exit", (code) => finish(new Error(`${what}: the bounded-work worker exited (code ${code}) before the case finished`)));
  });
}
