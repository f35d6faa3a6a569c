import type { NodeContext } from "@dataflow/kernel";
import type { RunContext } from "@dataflow/kernel/plugin";
import { silentLogger } from "@dataflow/kernel/plugin";

/** One way of doing the same operation, from the bare driver call up to the full runtime. */
export type Layer = readonly [name: string, op: (i: number) => unknown, sync: boolean];

/**
 * Times each layer in rounds of `n` operations, interleaved (the start rotates every round), and
 * prints the best round of each with the increment over the layer before it. The minimum is the
 * round least disturbed by other load on the machine.
 */
export async function measureLayers(title: string, layers: readonly Layer[], n: number, between: () => unknown = () => {}, rounds = 15): Promise<number[]> {
  const best = layers.map(() => Number.POSITIVE_INFINITY);
  const bestCpu = layers.map(() => Number.POSITIVE_INFINITY);
  let next = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < layers.length; k++) {
      const index = (k + round) % layers.length;
      const [, op, sync] = layers[index]!;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      if (sync) for (let i = 0; i < n; i++) op(next + i);
      else for (let i = 0; i < n; i++) await op(next + i);
      const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
      const cpu = process.cpuUsage(c0);
      next += n;
      best[index] = Math.min(best[index]!, us);
      bestCpu[index] = Math.min(bestCpu[index]!, (cpu.user + cpu.system) / n);
      await between();
      global.gc?.();
    }
  }
  console.log(
    `${title}: best of ${rounds} rounds x ${n.toLocaleString("en-US")} ops; wall µs/op and this process's CPU µs/op, each with the increment over the line above`,
  );
  const delta = (k: number, values: number[]) => (k === 0 ? "" : `${values[k]! - values[k - 1]! >= 0 ? "+" : ""}${(values[k]! - values[k - 1]!).toFixed(2)}`);
  console.log(`${"".padEnd(60)} ${"wall".padStart(8)} ${"".padStart(7)} ${"cpu".padStart(8)}`);
  layers.forEach(([name], k) => {
    console.log(
      `${name.padEnd(60)} ${best[k]!.toFixed(2).padStart(8)} ${delta(k, best).padStart(7)} ${bestCpu[k]!.toFixed(2).padStart(8)} ${delta(k, bestCpu).padStart(7)}`,
    );
  });
  return best;
}

/** A node context like the runtime's for a single-node run (a signal that never aborts). */
export function nodeContext(): NodeContext {
  const run: RunContext = {
    runId: "overhead",
    signal: new AbortController().signal,
    tenantId: undefined,
    options: {},
    logger: silentLogger,
    state: new Map(),
    enterExclusive() {},
    leaveExclusive() {},
  };
  return { nodeId: "node", runId: run.runId, signal: run.signal, logger: silentLogger, tenantId: undefined, run };
}
