import type { ContenderResult, ContenderRole, LatencyResult, Ratio, StartupResult, ThroughputResult, Verdict } from "./types.js";
import { isUnavailable } from "./types.js";

/** The budgets of DESIGN.md section 4 as they apply to one section. */
export interface Budgets {
  /** Max µs a single-row node may add over the raw driver (SQLite 3, PostgreSQL/MySQL 5). */
  readonly singleRowMaxDeltaUs: number;
  /** Max µs a workflow may add over the raw statements it runs (SQLite's 5-node workflow: 15). */
  readonly workflowMaxDeltaUs?: number;
  /** Min DataFlow/raw throughput of concurrent reads, with and without a signal (0.95). */
  readonly concurrentMinRatio?: number;
  /** Max ms a cold start to the first Create may add over the raw driver's (embedded: 5). */
  readonly coldStartMaxDeltaMs?: number;
  /** When set, a single-row node also passes within this many percent of raw ("+5% or +20 µs"). */
  readonly singleRowMaxDeltaPct?: number;
  /** The bulk baseline: the fastest of these raw methods. */
  readonly bulkBaseline: readonly ContenderRole[];
  readonly bulkMinRatio: number;
  /** DataFlow must be no slower than Kysely and Drizzle on every workload. */
  readonly noSlowerThanPeers: boolean;
  /** Decimals of µs figures in verdicts. */
  readonly decimals: number;
}

const PEERS: ReadonlyArray<readonly [ContenderRole, string]> = [
  ["kysely", "Kysely"],
  ["drizzle", "Drizzle"],
];

function find<T extends ContenderResult>(results: readonly ContenderResult[], role: ContenderRole): T | undefined {
  const r = results.find((c) => c.role === role);
  return r && !isUnavailable(r) ? (r as T) : undefined;
}

function signed(value: number, decimals: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(decimals)}`;
}

function naVerdict(budget: string, why: string): Verdict {
  return { budget, measured: why, status: "n/a" };
}

export type LatencyShape = "single-row" | "list" | "workflow";

function latencyBudget(budgets: Budgets, shape: LatencyShape): string {
  if (shape === "single-row") {
    const pct = budgets.singleRowMaxDeltaPct;
    return `<= ${pct === undefined ? "" : `+${pct}% or <= `}+${budgets.singleRowMaxDeltaUs} µs/op over raw`;
  }
  if (shape === "workflow") return `<= +${budgets.workflowMaxDeltaUs ?? 0} µs/run over the raw statements`;
  return "<= +10% or <= +20 µs over raw (peers.md C.3 target)";
}

/**
 * Ratios and verdicts of a latency workload: `single-row` the per-node budget, `list` the peers.md
 * C.3 list target, `workflow` the per-run budget of a multi-node workflow. Every measured cell reads
 * "DataFlow vs other: difference".
 */
export function assessLatency(results: readonly ContenderResult[], budgets: Budgets, shape: LatencyShape): { ratios: Ratio[]; verdicts: Verdict[] } {
  const df = find<LatencyResult>(results, "dataflow");
  const raw = find<LatencyResult>(results, "raw");
  const ratio = (other: LatencyResult | undefined) => (df && other ? df.medianUs / other.medianUs : undefined);
  const ratios: Ratio[] = [{ name: "DataFlow/raw", value: ratio(raw) }];
  for (const [role, name] of PEERS) ratios.push({ name: `DataFlow/${name}`, value: ratio(find<LatencyResult>(results, role)) });

  const verdicts: Verdict[] = [];
  const dp = budgets.decimals;
  const dfMissing = results.find((c) => c.role === "dataflow");
  const why = dfMissing && isUnavailable(dfMissing) ? dfMissing.unavailable : "not measured";
  if (!df || !raw) verdicts.push(naVerdict(latencyBudget(budgets, shape), why));
  else {
    const delta = df.medianUs - raw.medianUs;
    const pct = (delta / raw.medianUs) * 100;
    const pctBudget = budgets.singleRowMaxDeltaPct;
    const ok =
      shape === "single-row"
        ? delta <= budgets.singleRowMaxDeltaUs || (pctBudget !== undefined && pct <= pctBudget)
        : shape === "workflow"
          ? delta <= (budgets.workflowMaxDeltaUs ?? 0)
          : delta <= 20 || pct <= 10;
    verdicts.push({
      budget: latencyBudget(budgets, shape),
      measured: `${df.medianUs.toFixed(dp)} vs ${raw.medianUs.toFixed(dp)} µs: ${signed(delta, dp)} µs (${signed(pct, 1)}%; client CPU ${signed(df.cpuUs - raw.cpuUs, dp)} µs)`,
      status: ok ? "PASS" : "MISS",
    });
  }
  if (budgets.noSlowerThanPeers) {
    for (const [role, name] of PEERS) {
      const peer = find<LatencyResult>(results, role);
      const budget = `no slower than ${name}`;
      if (!df || !peer) verdicts.push(naVerdict(budget, df ? `${name} not measured` : why));
      else
        verdicts.push({
          budget,
          measured: `${df.medianUs.toFixed(dp)} vs ${peer.medianUs.toFixed(dp)} µs: ${signed(df.medianUs - peer.medianUs, dp)} µs`,
          status: df.medianUs <= peer.medianUs ? "PASS" : "MISS",
        });
    }
  }
  return { ratios, verdicts };
}

function fmtRate(r: number, unit = "rows"): string {
  return `${Math.round(r).toLocaleString("en-US")} ${unit}/s`;
}

/** Ratios (DataFlow rate / other rate) and verdicts of a bulk workload. */
export function assessThroughput(results: readonly ContenderResult[], budgets: Budgets): { ratios: Ratio[]; verdicts: Verdict[] } {
  const df = find<ThroughputResult>(results, "dataflow");
  const baselines = budgets.bulkBaseline.map((role) => find<ThroughputResult>(results, role)).filter((r): r is ThroughputResult => r !== undefined);
  const baseline = baselines.sort((a, b) => b.medianRowsPerSec - a.medianRowsPerSec)[0];
  const ratio = (other: ThroughputResult | undefined) => (df && other ? df.medianRowsPerSec / other.medianRowsPerSec : undefined);
  const ratios: Ratio[] = [{ name: "DataFlow/raw", value: ratio(baseline) }];
  for (const [role, name] of PEERS) ratios.push({ name: `DataFlow/${name}`, value: ratio(find<ThroughputResult>(results, role)) });

  const dfMissing = results.find((c) => c.role === "dataflow");
  const why = dfMissing && isUnavailable(dfMissing) ? dfMissing.unavailable : "not measured";
  const verdicts: Verdict[] = [];
  const budget = `>= ${budgets.bulkMinRatio}x ${baseline?.label ?? "raw"} rate`;
  if (!df || !baseline) verdicts.push(naVerdict(budget, why));
  else {
    const r = df.medianRowsPerSec / baseline.medianRowsPerSec;
    verdicts.push({
      budget,
      measured: `${fmtRate(df.medianRowsPerSec)} vs ${fmtRate(baseline.medianRowsPerSec)}: ${r.toFixed(2)}x`,
      status: r >= budgets.bulkMinRatio ? "PASS" : "MISS",
    });
  }
  if (budgets.noSlowerThanPeers) {
    for (const [role, name] of PEERS) {
      const peer = find<ThroughputResult>(results, role);
      const b = `no slower than ${name}`;
      if (!df || !peer) verdicts.push(naVerdict(b, df ? `${name} not measured` : why));
      else
        verdicts.push({
          budget: b,
          measured: `${fmtRate(df.medianRowsPerSec)} vs ${fmtRate(peer.medianRowsPerSec)}: ${(df.medianRowsPerSec / peer.medianRowsPerSec).toFixed(2)}x`,
          status: df.medianRowsPerSec >= peer.medianRowsPerSec ? "PASS" : "MISS",
        });
    }
  }
  return { ratios, verdicts };
}

/** Concurrent reads: DataFlow without and with a signal, each against the raw driver's rate. */
export function assessConcurrency(results: readonly ContenderResult[], budgets: Budgets): { ratios: Ratio[]; verdicts: Verdict[] } {
  const raw = find<ThroughputResult>(results, "raw");
  const min = budgets.concurrentMinRatio ?? 1;
  const ratios: Ratio[] = [];
  const verdicts: Verdict[] = [];
  for (const role of ["dataflow", "dataflow-signal"] as const) {
    const df = find<ThroughputResult>(results, role);
    const name = role === "dataflow" ? "DataFlow/raw" : "DataFlow+signal/raw";
    const budget = `>= ${min}x raw rate${role === "dataflow-signal" ? ", with an AbortSignal" : ""}`;
    ratios.push({ name, value: df && raw ? df.medianRowsPerSec / raw.medianRowsPerSec : undefined });
    if (!df || !raw) {
      const missing = results.find((c) => c.role === role);
      verdicts.push(naVerdict(budget, missing && isUnavailable(missing) ? missing.unavailable : "not measured"));
      continue;
    }
    const r = df.medianRowsPerSec / raw.medianRowsPerSec;
    verdicts.push({
      budget,
      measured: `${fmtRate(df.medianRowsPerSec, df.unit)} vs ${fmtRate(raw.medianRowsPerSec, raw.unit)}: ${r.toFixed(2)}x`,
      status: r >= min ? "PASS" : "MISS",
    });
  }
  return { ratios, verdicts };
}

/** Cold start: DataFlow's median time to the first result against the raw driver's. */
export function assessStartup(results: readonly ContenderResult[], budgets: Budgets): { ratios: Ratio[]; verdicts: Verdict[] } {
  const df = find<StartupResult>(results, "dataflow");
  const raw = find<StartupResult>(results, "raw");
  const budget = `<= +${budgets.coldStartMaxDeltaMs ?? 0} ms over raw`;
  if (!df || !raw) return { ratios: [{ name: "DataFlow/raw", value: undefined }], verdicts: [naVerdict(budget, "not measured")] };
  const delta = df.medianMs - raw.medianMs;
  return {
    ratios: [{ name: "DataFlow/raw", value: df.medianMs / raw.medianMs }],
    verdicts: [
      {
        budget,
        measured: `${df.medianMs.toFixed(1)} vs ${raw.medianMs.toFixed(1)} ms: ${signed(delta, 1)} ms (process CPU ${signed(df.cpuMs - raw.cpuMs, 1)} ms)`,
        status: delta <= (budgets.coldStartMaxDeltaMs ?? 0) ? "PASS" : "MISS",
      },
    ],
  };
}
