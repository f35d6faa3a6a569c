import { spawn } from "node:child_process";
import { median } from "./stats.js";
import type { ContenderRole, StartupResult, ThroughputResult } from "./types.js";

const now = process.hrtime.bigint;

export interface ConcurrentContender {
  readonly role: ContenderRole;
  readonly label: string;
  /** One operation of lane `lane` (0 .. inFlight-1); `i` counts this contender's calls. */
  readonly op: (i: number, lane: number) => Promise<unknown>;
}

export interface ConcurrentPlan {
  /** Operations kept in flight at once (each lane awaits its operation before starting the next). */
  readonly inFlight: number;
  /** Operations per timed run. */
  readonly ops: number;
  readonly rounds: number;
  readonly warmupOps: number;
  /** What one operation is, for the rate's unit (e.g. "reads"). */
  readonly unit: string;
}

async function runLanes(c: ConcurrentContender, first: number, ops: number, inFlight: number): Promise<number> {
  let next = 0;
  const lane = async (k: number) => {
    while (next < ops) await c.op(first + next++, k);
  };
  const t0 = now();
  await Promise.all(Array.from({ length: inFlight }, (_, k) => lane(k)));
  return ops / (Number(now() - t0) / 1e9);
}

/** Interleaved throughput of `inFlight` concurrent operation lanes; median over the rounds. */
export async function measureConcurrent(contenders: readonly ConcurrentContender[], plan: ConcurrentPlan): Promise<ThroughputResult[]> {
  const rates = contenders.map((): number[] => []);
  const next = contenders.map(() => 0);
  for (const [k, c] of contenders.entries()) {
    await runLanes(c, next[k]!, plan.warmupOps, plan.inFlight);
    next[k]! += plan.warmupOps;
  }
  for (let r = 0; r < plan.rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const k = (j + r) % contenders.length;
      global.gc?.();
      rates[k]!.push(await runLanes(contenders[k]!, next[k]!, plan.ops, plan.inFlight));
      next[k]! += plan.ops;
    }
  }
  return contenders.map((c, k) => ({
    role: c.role,
    label: c.label,
    rows: plan.ops,
    unit: plan.unit,
    medianRowsPerSec: median(rates[k]!),
    bestRowsPerSec: Math.max(...rates[k]!),
    runsRowsPerSec: rates[k]!,
  }));
}

export interface StartupContender {
  readonly role: ContenderRole;
  readonly label: string;
  /** Node arguments of a fresh process that prints one JSON line `{ "ms": <time since process start>, "cpuMs": <its CPU time> }`. */
  readonly args: () => string[];
}

function runProcess(args: string[]): Promise<{ ms: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(line) as { ms: number; cpuMs: number });
      } catch (error) {
        reject(new Error(`cold-start process ${args.join(" ")} failed (${(error as Error).message}): ${out}`));
      }
    });
  });
}

/** Cold starts, `runs` fresh processes per contender, alternating; medians of each. */
export async function measureStartup(contenders: readonly StartupContender[], runs: number): Promise<StartupResult[]> {
  const times = contenders.map((): number[] => []);
  const cpu = contenders.map((): number[] => []);
  // One untimed start each, so the OS file cache holds every module for all of them.
  for (const c of contenders) await runProcess(c.args());
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const k = (j + r) % contenders.length;
      const { ms, cpuMs } = await runProcess(contenders[k]!.args());
      times[k]!.push(ms);
      cpu[k]!.push(cpuMs);
    }
  }
  return contenders.map((c, k) => ({ role: c.role, label: c.label, medianMs: median(times[k]!), cpuMs: median(cpu[k]!), runsMs: times[k]! }));
}
