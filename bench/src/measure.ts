import { median, quantile } from "./stats.js";
import type { ContenderRole, LatencyResult, ThroughputResult } from "./types.js";

const now = process.hrtime.bigint;

export interface LatencyContender {
  readonly role: ContenderRole;
  readonly label: string;
  /** One operation; `i` counts this contender's calls, so every contender sees the same input sequence. */
  readonly op: (i: number) => unknown;
  /** `op` returns a plain value: call it without `await` (sync drivers must not pay for a microtask). */
  readonly sync: boolean;
}

export interface LatencyPlan {
  readonly warmupOps: number;
  /** Rounds of batches timed as a whole (median source). */
  readonly rounds: number;
  readonly batch: number;
  /** Rounds of individually timed operations (p50/p99 source). */
  readonly sampleRounds: number;
  readonly sampleBatch: number;
}

/** The contenders in turn, starting one further along each round, so drift and after-effects hit all alike. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Wall time (ns) and this process's CPU time (µs, user + system) of `n` operations. */
async function timeBatch(c: LatencyContender, first: number, n: number): Promise<{ ns: bigint; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const t0 = now();
  if (c.sync) for (let i = 0; i < n; i++) c.op(first + i);
  else for (let i = 0; i < n; i++) await c.op(first + i);
  const ns = now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ns, cpuUs: cpu.user + cpu.system };
}

async function timeEach(c: LatencyContender, first: number, n: number, out: number[]): Promise<void> {
  if (c.sync) {
    for (let i = 0; i < n; i++) {
      const t0 = now();
      c.op(first + i);
      out.push(Number(now() - t0) / 1000);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await c.op(first + i);
    out.push(Number(now() - t0) / 1000);
  }
}

/** Interleaved latency measurement of single operations. */
export async function measureLatency(contenders: readonly LatencyContender[], plan: LatencyPlan): Promise<LatencyResult[]> {
  const next = contenders.map(() => 0);
  const batchMeans = contenders.map((): number[] => []);
  const batchCpu = contenders.map((): number[] => []);
  const singles = contenders.map((): number[] => []);
  const indexOf = new Map(contenders.map((c, i) => [c, i] as const));
  const warmBatch = Math.max(1, Math.ceil(plan.warmupOps / 10));
  for (let r = 0; r < 10; r++) {
    for (const c of rotated(contenders, r)) {
      const k = indexOf.get(c)!;
      await timeBatch(c, next[k]!, warmBatch);
      next[k]! += warmBatch;
    }
  }
  for (let r = 0; r < plan.rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const k = indexOf.get(c)!;
      const { ns, cpuUs } = await timeBatch(c, next[k]!, plan.batch);
      next[k]! += plan.batch;
      batchMeans[k]!.push(Number(ns) / 1000 / plan.batch);
      batchCpu[k]!.push(cpuUs / plan.batch);
    }
  }
  for (let r = 0; r < plan.sampleRounds; r++) {
    for (const c of rotated(contenders, r)) {
      const k = indexOf.get(c)!;
      await timeEach(c, next[k]!, plan.sampleBatch, singles[k]!);
      next[k]! += plan.sampleBatch;
    }
  }
  return contenders.map((c, k) => ({
    role: c.role,
    label: c.label,
    medianUs: median(batchMeans[k]!),
    cpuUs: median(batchCpu[k]!),
    p50Us: median(singles[k]!),
    p99Us: quantile(singles[k]!, 0.99),
    batchedOps: plan.rounds * plan.batch,
    sampledOps: singles[k]!.length,
    batchMeansUs: batchMeans[k]!,
  }));
}

export interface ThroughputContender<Row> {
  readonly role: ContenderRole;
  readonly label: string;
  /** Inserts the rows; resolves once they are committed. */
  readonly run: (rows: readonly Row[]) => Promise<void> | void;
}

export interface ThroughputPlan<Row> {
  readonly rows: readonly Row[];
  readonly warmupRows: number;
  readonly rounds: number;
  /** Untimed: empties the table before each run. */
  readonly reset: () => Promise<void>;
  /** Untimed: how many rows the table holds after a run (each run must insert all of its rows). */
  readonly count: () => Promise<number>;
}

/** Interleaved bulk-insert measurement: each run starts from an empty table and a fresh heap. */
export async function measureThroughput<Row>(contenders: readonly ThroughputContender<Row>[], plan: ThroughputPlan<Row>): Promise<ThroughputResult[]> {
  const rates = contenders.map((): number[] => []);
  const indexOf = new Map(contenders.map((c, i) => [c, i] as const));
  const runOnce = async (c: ThroughputContender<Row>, rows: readonly Row[]): Promise<number> => {
    await plan.reset();
    global.gc?.();
    const t0 = now();
    await c.run(rows);
    const seconds = Number(now() - t0) / 1e9;
    const stored = await plan.count();
    if (stored !== rows.length) throw new Error(`${c.label} stored ${stored} rows instead of ${rows.length}`);
    return rows.length / seconds;
  };
  const warm = plan.rows.slice(0, plan.warmupRows);
  for (const c of contenders) await runOnce(c, warm);
  for (let r = 0; r < plan.rounds; r++) {
    for (const c of rotated(contenders, r)) rates[indexOf.get(c)!]!.push(await runOnce(c, plan.rows));
  }
  await plan.reset();
  return contenders.map((c, k) => ({
    role: c.role,
    label: c.label,
    rows: plan.rows.length,
    medianRowsPerSec: median(rates[k]!),
    bestRowsPerSec: Math.max(...rates[k]!),
    runsRowsPerSec: rates[k]!,
  }));
}
