import type { LatencyContender, LatencyPlan, ThroughputContender, ThroughputPlan } from "../measure.js";
import { measureLatency, measureThroughput } from "../measure.js";
import type { ConcurrentContender, ConcurrentPlan, StartupContender } from "../concurrency.js";
import { measureConcurrent, measureStartup } from "../concurrency.js";
import type { ContenderResult, ContenderRole, SectionResult, SkippedSection, Unavailable, WorkloadResult } from "../types.js";
import type { Budgets, LatencyShape } from "../verdicts.js";
import { assessConcurrency, assessLatency, assessStartup, assessThroughput } from "../verdicts.js";

export interface RunOptions {
  /** Far fewer iterations: a smoke run of the whole pipeline, not a measurement. */
  readonly quick: boolean;
}

export type SectionRunner = (options: RunOptions) => Promise<SectionResult | SkippedSection>;

/** Display order of contenders in every table. */
const ORDER: readonly ContenderRole[] = ["raw", "raw-decoded", "raw-copy", "raw-multirow", "dataflow", "dataflow-signal", "kysely", "drizzle"];

function ordered(results: ContenderResult[]): ContenderResult[] {
  return results.sort((a, b) => ORDER.indexOf(a.role) - ORDER.indexOf(b.role));
}

export function scaled(plan: LatencyPlan, options: RunOptions): LatencyPlan {
  if (!options.quick) return plan;
  return { warmupOps: Math.min(plan.warmupOps, 100), rounds: 3, batch: Math.min(plan.batch, 50), sampleRounds: 2, sampleBatch: Math.min(plan.sampleBatch, 50) };
}

/** Runs one operation of every contender and checks its result before anything is timed. */
export async function verify(contenders: readonly LatencyContender[], check: (value: unknown) => string | undefined): Promise<void> {
  for (const c of contenders) {
    const problem = check(await c.op(0));
    if (problem) throw new Error(`${c.label}: ${problem}`);
  }
}

export interface LatencyWorkloadSpec {
  readonly id: string;
  readonly title: string;
  readonly contenders: readonly LatencyContender[];
  readonly unavailable: readonly Unavailable[];
  readonly plan: LatencyPlan;
  readonly budgets: Budgets;
  readonly shape: LatencyShape;
  readonly sql: Readonly<Record<string, string>>;
  readonly notes?: readonly string[];
}

export async function latencyWorkload(spec: LatencyWorkloadSpec): Promise<WorkloadResult> {
  global.gc?.();
  console.log(`  ${spec.title}: ${spec.contenders.map((c) => c.label).join(", ")}`);
  const measured = await measureLatency(spec.contenders, spec.plan);
  const contenders = ordered([...measured, ...spec.unavailable]);
  const { ratios, verdicts } = assessLatency(contenders, spec.budgets, spec.shape);
  global.gc?.();
  return { id: spec.id, title: spec.title, kind: "latency", contenders, ratios, verdicts, sql: spec.sql, notes: spec.notes ?? [] };
}

export interface ThroughputWorkloadSpec<Row> {
  readonly id: string;
  readonly title: string;
  readonly contenders: readonly ThroughputContender<Row>[];
  readonly unavailable: readonly Unavailable[];
  readonly plan: ThroughputPlan<Row>;
  readonly budgets: Budgets;
  readonly sql: Readonly<Record<string, string>>;
  readonly notes?: readonly string[];
}

export async function throughputWorkload<Row>(spec: ThroughputWorkloadSpec<Row>, options: RunOptions): Promise<WorkloadResult> {
  global.gc?.();
  console.log(`  ${spec.title}: ${spec.contenders.map((c) => c.label).join(", ")}`);
  const plan = options.quick ? { ...spec.plan, rows: spec.plan.rows.slice(0, 5000), warmupRows: 500, rounds: 1 } : spec.plan;
  const measured = await measureThroughput(spec.contenders, plan);
  const contenders = ordered([...measured, ...spec.unavailable]);
  const { ratios, verdicts } = assessThroughput(contenders, spec.budgets);
  global.gc?.();
  return { id: spec.id, title: spec.title, kind: "throughput", contenders, ratios, verdicts, sql: spec.sql, notes: spec.notes ?? [] };
}

export interface ConcurrentWorkloadSpec {
  readonly id: string;
  readonly title: string;
  readonly contenders: readonly ConcurrentContender[];
  readonly unavailable: readonly Unavailable[];
  readonly plan: ConcurrentPlan;
  readonly budgets: Budgets;
  readonly sql: Readonly<Record<string, string>>;
  readonly notes?: readonly string[];
}

export async function concurrentWorkload(spec: ConcurrentWorkloadSpec, options: RunOptions): Promise<WorkloadResult> {
  global.gc?.();
  console.log(`  ${spec.title}: ${spec.contenders.map((c) => c.label).join(", ")}`);
  const plan = options.quick ? { ...spec.plan, ops: Math.min(spec.plan.ops, 640), rounds: 1 } : spec.plan;
  const measured = await measureConcurrent(spec.contenders, plan);
  const contenders = ordered([...measured, ...spec.unavailable]);
  const { ratios, verdicts } = assessConcurrency(contenders, spec.budgets);
  return { id: spec.id, title: spec.title, kind: "throughput", contenders, ratios, verdicts, sql: spec.sql, notes: spec.notes ?? [] };
}

export interface StartupWorkloadSpec {
  readonly id: string;
  readonly title: string;
  readonly contenders: readonly StartupContender[];
  readonly runs: number;
  readonly budgets: Budgets;
  readonly sql: Readonly<Record<string, string>>;
  readonly notes?: readonly string[];
}

export async function startupWorkload(spec: StartupWorkloadSpec, options: RunOptions): Promise<WorkloadResult> {
  console.log(`  ${spec.title}: ${spec.contenders.map((c) => c.label).join(", ")}`);
  const measured = await measureStartup(spec.contenders, options.quick ? 2 : spec.runs);
  const contenders = ordered(measured);
  const { ratios, verdicts } = assessStartup(contenders, spec.budgets);
  return { id: spec.id, title: spec.title, kind: "startup", contenders, ratios, verdicts, sql: spec.sql, notes: spec.notes ?? [] };
}

export function planText(plan: LatencyPlan): string {
  return `${plan.rounds}x${plan.batch} batched + ${plan.sampleRounds}x${plan.sampleBatch} single-timed ops per contender (warm-up ${plan.warmupOps})`;
}

/** Splits rows into chunks of `size` (peers' idiomatic multi-row INSERTs). */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
