import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import type { Plugin } from "@dataflow/kernel/plugin";
import type { ContenderRole, Unavailable } from "../types.js";
import type { BenchInput } from "../workload-data.js";

/** The adapter plugin of a DataFlow package, or why it cannot be used. */
export async function loadPlugin(pkg: string): Promise<{ plugin: Plugin } | { unavailable: string }> {
  try {
    const mod = (await import(pkg)) as { default?: Plugin };
    if (!mod.default) return { unavailable: `n/a (${pkg} has no default plugin export)` };
    return { plugin: mod.default };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      return { unavailable: "n/a (adapter not built)" };
    }
    return { unavailable: `n/a (adapter failed to load: ${(error as Error).message.split("\n")[0]})` };
  }
}

export function unavailable(role: ContenderRole, label: string, reason: string): Unavailable {
  return { role, label, unavailable: reason };
}

/** Runs a DataFlow step; a failing adapter costs only its own column, never the raw and peer numbers. */
export async function tryDataflow<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    console.error(error);
    return { ok: false, reason: `n/a (adapter failed: ${(error as Error).message.split("\n")[0]})` };
  }
}

/** Text COPY format: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!) : value;
}

/** COPY text lines of the rows (timestamps `now`), joined `chunk` rows at a time. */
export function* copyLines(rows: readonly BenchInput[], now: string, chunk: number): Generator<string> {
  let lines: string[] = [];
  for (const r of rows) {
    lines.push(`${copyText(r.name)}\t${copyText(r.email)}\t${r.tenant}\t${r.score}\t${r.active ? "t" : "f"}\t${now}\t${now}\n`);
    if (lines.length === chunk) {
      yield lines.join("");
      lines = [];
    }
  }
  if (lines.length) yield lines.join("");
}

/**
 * Puts the database server if there is one (the process and its current children; later children
 * inherit it) and this process, all its threads included, on one CPU. Client and server then always hand off on the same core, instead of
 * paying a cross-core wake-up whenever the scheduler happens to split them, which on this VM makes
 * per-batch latency jump between two levels. Returns what was done, for the report, or why not.
 */
export function shareOneCpu(serverPid: number | undefined): string {
  const cpu = String(availableParallelism() - 1);
  const server = serverPid === undefined ? [] : [String(serverPid)];
  const children = server.flatMap((pid) =>
    spawnSync("ps", ["-o", "pid=", "--ppid", pid], { encoding: "utf8" })
      .stdout.split("\n")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const pid of [...server, ...children, String(process.pid)]) {
    const r = spawnSync("taskset", ["-a", "-c", "-p", cpu, pid], { encoding: "utf8" });
    if (r.status !== 0) return `not pinned (taskset failed: ${(r.stderr || r.error?.message || "").trim()})`;
  }
  return `${server.length ? "server and bench process" : "bench process"} pinned to CPU ${cpu} (taskset)`;
}
