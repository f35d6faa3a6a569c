import type { ContenderResult, LatencyResult, SectionResult, StartupResult, ThroughputResult, WorkloadResult } from "../types.js";
import { isUnavailable } from "../types.js";
import { verdictCell } from "../miss-profiles.js";

export type Table = { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly alignRight: readonly boolean[] };

function rate(r: number): string {
  return Math.round(r).toLocaleString("en-US");
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "—" : `${value.toFixed(2)}x`;
}

function dataflowOf<T extends ContenderResult>(w: WorkloadResult): T | undefined {
  const r = w.contenders.find((c) => c.role === "dataflow");
  return r && !isUnavailable(r) ? (r as T) : undefined;
}

/** Single-row and list workloads: one row per contender. */
export function latencyTable(section: SectionResult, decimals: number): Table | undefined {
  const rows: string[][] = [];
  for (const w of section.workloads) {
    if (w.kind !== "latency") continue;
    const df = dataflowOf<LatencyResult>(w);
    w.contenders.forEach((c, i) => {
      const name = i === 0 ? w.title : "";
      if (isUnavailable(c)) {
        rows.push([name, c.label, c.unavailable, "", "", "", ""]);
        return;
      }
      const l = c as LatencyResult;
      rows.push([
        name,
        l.label,
        l.medianUs.toFixed(decimals),
        l.p50Us.toFixed(decimals),
        l.p99Us.toFixed(decimals),
        l.cpuUs === undefined ? "" : l.cpuUs.toFixed(decimals),
        df && c.role !== "dataflow" ? ratio(df.medianUs / l.medianUs) : "",
      ]);
    });
  }
  if (rows.length === 0) return undefined;
  return {
    header: ["workload", "contender", "median µs/op", "p50 µs", "p99 µs", "client CPU µs/op", "DataFlow time ÷ this"],
    rows,
    alignRight: [false, false, true, true, true, true, true],
  };
}

/** Bulk workloads: one row per contender. */
export function throughputTable(section: SectionResult): Table | undefined {
  const rows: string[][] = [];
  for (const w of section.workloads) {
    if (w.kind !== "throughput") continue;
    const df = dataflowOf<ThroughputResult>(w);
    w.contenders.forEach((c, i) => {
      const name = i === 0 ? w.title : "";
      if (isUnavailable(c)) {
        rows.push([name, c.label, c.unavailable, "", "", ""]);
        return;
      }
      const t = c as ThroughputResult;
      const unit = ` ${t.unit ?? "rows"}`;
      rows.push([
        name,
        t.label,
        rate(t.medianRowsPerSec) + unit,
        rate(t.bestRowsPerSec) + unit,
        String(t.runsRowsPerSec.length),
        df && !c.role.startsWith("dataflow") ? ratio(df.medianRowsPerSec / t.medianRowsPerSec) : "",
      ]);
    });
  }
  if (rows.length === 0) return undefined;
  return {
    header: ["workload", "contender", "median per s", "best per s", "runs", "DataFlow rate ÷ this"],
    rows,
    alignRight: [false, false, true, true, true, true],
  };
}

/** Cold starts: one row per contender. */
export function startupTable(section: SectionResult): Table | undefined {
  const rows: string[][] = [];
  for (const w of section.workloads) {
    if (w.kind !== "startup") continue;
    w.contenders.forEach((c, i) => {
      const s = c as StartupResult;
      rows.push([i === 0 ? w.title : "", s.label, s.medianMs.toFixed(1), s.cpuMs.toFixed(1), String(s.runsMs.length)]);
    });
  }
  if (rows.length === 0) return undefined;
  return { header: ["workload", "contender", "median ms", "process CPU ms", "runs"], rows, alignRight: [false, false, true, true, true] };
}

export function verdictTable(section: SectionResult): Table {
  const rows: string[][] = [];
  for (const w of section.workloads) {
    const ratios = w.ratios.map((r) => `${r.name} ${ratio(r.value)}`).join(", ");
    w.verdicts.forEach((v, i) =>
      rows.push([i === 0 ? w.title : "", i === 0 ? ratios : "", v.budget, v.measured, verdictCell(section.section, w.id, v.status)]),
    );
  }
  return { header: ["workload", "ratios", "budget", "measured", "verdict"], rows, alignRight: [false, false, false, false, false] };
}

export function renderText(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (table.alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(table.header), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n");
}

export function renderMarkdown(table: Table): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  const sep = table.alignRight.map((right) => (right ? "---:" : "---"));
  return [`| ${table.header.map(esc).join(" | ")} |`, `| ${sep.join(" | ")} |`, ...table.rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}
