/** Who runs a workload. `raw-*` are the driver baselines; the rest are libraries. */
export type ContenderRole = "raw" | "raw-decoded" | "raw-copy" | "raw-multirow" | "dataflow" | "dataflow-signal" | "kysely" | "drizzle";

export interface LatencyResult {
  readonly role: ContenderRole;
  readonly label: string;
  /** Median over the timed batches of (batch time / ops in the batch). */
  readonly medianUs: number;
  /** Median over the batches of this process's CPU time (user + system) per operation: the client-side cost, little affected by other load. */
  readonly cpuUs: number;
  /** Median and 99th percentile of individually timed operations. */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly batchedOps: number;
  readonly sampledOps: number;
  readonly batchMeansUs: readonly number[];
}

export interface ThroughputResult {
  readonly role: ContenderRole;
  readonly label: string;
  readonly rows: number;
  /** Median over the timed runs. */
  readonly medianRowsPerSec: number;
  readonly bestRowsPerSec: number;
  readonly runsRowsPerSec: readonly number[];
  /** What the rate counts (default "rows"), e.g. "reads". */
  readonly unit?: string;
}

/** Cold start: fresh processes, from process start to the first operation's result. */
export interface StartupResult {
  readonly role: ContenderRole;
  readonly label: string;
  readonly medianMs: number;
  /** Median CPU time (user + system) of the process up to that point. */
  readonly cpuMs: number;
  readonly runsMs: readonly number[];
}

/** A contender that could not run, with the reason (e.g. "n/a (adapter not built)"). */
export interface Unavailable {
  readonly role: ContenderRole;
  readonly label: string;
  readonly unavailable: string;
}

export type ContenderResult = LatencyResult | ThroughputResult | StartupResult | Unavailable;

export function isUnavailable(r: ContenderResult): r is Unavailable {
  return "unavailable" in r;
}

export type VerdictStatus = "PASS" | "MISS" | "n/a";

export interface Verdict {
  readonly budget: string;
  readonly measured: string;
  readonly status: VerdictStatus;
}

export interface Ratio {
  /** e.g. "DataFlow/raw". Latency: time ratio (lower is better). Throughput: rate ratio (higher is better). */
  readonly name: string;
  readonly value: number | undefined;
}

export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly kind: "latency" | "throughput" | "startup";
  readonly contenders: readonly ContenderResult[];
  readonly ratios: readonly Ratio[];
  readonly verdicts: readonly Verdict[];
  /** The SQL each contender sends (first statement of each operation). */
  readonly sql: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

export interface SectionResult {
  readonly section: string;
  readonly title: string;
  readonly generatedAt: string;
  readonly durationSec: number;
  /** Decimals of µs figures (SQLite 2, servers 1). */
  readonly decimals: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string | number>>;
  readonly workloads: readonly WorkloadResult[];
  readonly notes: readonly string[];
}

/** A section that did not run. */
export interface SkippedSection {
  readonly section: string;
  readonly skipped: string;
}
