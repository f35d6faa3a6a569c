import type { ContenderResult, ContenderRole, LatencyResult, Ratio, ThroughputResult, Verdict } from "./types.js";
import { isUnavailable } from "./types.js";

/** The budgets of DESIGN.md section 4 as they apply to one section. */
export interface Budgets {
  /** Max µs a single-row node may add over the raw driver (SQLite 3, PostgreSQL/MySQL 5). */
  readonly singleRowMaxDeltaUs: number;
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

const PEERS: ReadonlyArray<readonly [ContenderRole, string]> = [["kysely", "Kysely"], ["drizzle", "Drizzle"]];

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

/** Ratios and verdicts of a latency workload. `singleRow`: the per-node budget applies; `list`: the peers.md C.3 list target applies. */
export function assessLatency(results: readonly ContenderResult[], budgets: Budgets, shape: "single-row" | "list"): { ratios: Ratio[]; verdicts: Verdict[] } {
  const df = find<LatencyResult>(results, "dataflow");
  const raw = find<LatencyResult>(results, "raw");
  const ratio = (other: LatencyResult | undefined) => (df && other ? df.medianUs / other.medianUs : undefined);
  const ratios: Ratio[] = [{ name: "DataFlow/raw", value: ratio(raw) }];
  for (const [role, name] of PEERS) ratios.push({ name: `DataFlow/${name}`, value: ratio(find<LatencyResult>(results, role)) });

  const verdicts: Verdict[] = [];
  const dp = budgets.decimals;
  const dfMissing = results.find((c) => c.role === "dataflow");
  const why = dfMissing && isUnavailable(dfMissing) ? dfMissing.unavailable : "not measured";
  if (shape === "single-row") {
    const pctBudget = budgets.singleRowMaxDeltaPct;
    const budget = `<= ${pctBudget === undefined ? "" : `+${pctBudget}% or <= `}+${budgets.singleRowMaxDeltaUs} µs/op over raw`;
    if (!df || !raw) verdicts.push(naVerdict(budget, why));
    else {
      const delta = df.medianUs - raw.medianUs;
      const cpu = df.cpuUs - raw.cpuUs;
      const pct = (delta / raw.medianUs) * 100;
      verdicts.push({
        budget,
        measured: `${signed(delta, dp)} µs${pctBudget === undefined ? "" : ` (${signed(pct, 1)}%)`} (client CPU ${signed(cpu, dp)} µs)`,
        status: delta <= budgets.singleRowMaxDeltaUs || (pctBudget !== undefined && pct <= pctBudget) ? "PASS" : "MISS",
      });
    }
  } else {
    const budget = "<= +10% or <= +20 µs over raw (peers.md C.3 target)";
    if (!df || !raw) verdicts.push(naVerdict(budget, why));
    else {
      const delta = df.medianUs - raw.medianUs;
      const pct = (delta / raw.medianUs) * 100;
      const ok = delta <= 20 || pct <= 10;
      verdicts.push({ budget, measured: `${signed(delta, dp)} µs (${signed(pct, 1)}%; client CPU ${signed(df.cpuUs - raw.cpuUs, dp)} µs)`, status: ok ? "PASS" : "MISS" });
    }
  }
  if (budgets.noSlowerThanPeers) {
    for (const [role, name] of PEERS) {
      const peer = find<LatencyResult>(results, role);
      const budget = `no slower than ${name}`;
      if (!df || !peer) verdicts.push(naVerdict(budget, df ? `${name} not measured` : why));
      else verdicts.push({ budget, measured: `${df.medianUs.toFixed(dp)} vs ${peer.medianUs.toFixed(dp)} µs`, status: df.medianUs <= peer.medianUs ? "PASS" : "MISS" });
    }
  }
  return { ratios, verdicts };
}

function fmtRate(r: number): string {
  return `${Math.round(r).toLocaleString("en-US")} rows/s`;
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
    verdicts.push({ budget, measured: `${r.toFixed(2)}x (${fmtRate(df.medianRowsPerSec)})`, status: r >= budgets.bulkMinRatio ? "PASS" : "MISS" });
  }
  if (budgets.noSlowerThanPeers) {
    for (const [role, name] of PEERS) {
      const peer = find<ThroughputResult>(results, role);
      const b = `no slower than ${name}`;
      if (!df || !peer) verdicts.push(naVerdict(b, df ? `${name} not measured` : why));
      else verdicts.push({ budget: b, measured: `${fmtRate(df.medianRowsPerSec)} vs ${fmtRate(peer.medianRowsPerSec)}`, status: df.medianRowsPerSec >= peer.medianRowsPerSec ? "PASS" : "MISS" });
    }
  }
  return { ratios, verdicts };
}
