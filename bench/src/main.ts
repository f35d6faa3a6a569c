import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printSection, rewriteReadme, writeJson } from "./report/output.js";
import type { RunOptions, SectionRunner } from "./sections/common.js";
import { runMysql } from "./sections/mysql.js";
import { runPostgres } from "./sections/postgres.js";
import { runSqlite } from "./sections/sqlite.js";
import { runStreaming } from "./sections/streaming.js";
import { runVector } from "./sections/vector.js";
import type { SectionResult, SkippedSection } from "./types.js";

const SECTIONS: ReadonlyArray<readonly [string, SectionRunner]> = [
  ["sqlite", runSqlite],
  ["postgres", runPostgres],
  ["mysql", runMysql],
  ["vector", runVector],
  ["streaming", runStreaming],
];
const NAMES = SECTIONS.map(([name]) => name);

const USAGE = `pnpm bench [-- --only sqlite,postgres,mysql,vector,streaming] [--quick]
  --only <names>  run only these sections (comma-separated or repeated)
  --quick         a few iterations per workload: checks the pipeline, measures nothing, writes nothing`;

interface Args {
  only: string[];
  options: RunOptions;
  /** Internal: run one section in this process and write its result to `out`. */
  child?: { section: string; out: string };
}

function parseArgs(argv: readonly string[]): Args {
  const only: string[] = [];
  let quick = false;
  let section: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") continue;
    if (arg === "--quick") quick = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value) throw new Error("--only needs a section name");
      only.push(
        ...value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
    } else if (arg === "--section") section = argv[++i];
    else if (arg === "--out") out = argv[++i];
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown argument '${arg}'\n${USAGE}`);
  }
  for (const name of only) if (!NAMES.includes(name)) throw new Error(`Unknown section '${name}'; sections: ${NAMES.join(", ")}`);
  return { only: only.length ? only : NAMES, options: { quick }, ...(section && out ? { child: { section, out } } : {}) };
}

type Outcome = SectionResult | SkippedSection | { section: string; failed: string };

/** Child mode: one section, its result as JSON in `out`. */
async function runChild(section: string, out: string, options: RunOptions): Promise<number> {
  const runner = SECTIONS.find(([name]) => name === section)?.[1];
  if (!runner) throw new Error(`Unknown section '${section}'`);
  let outcome: Outcome;
  try {
    outcome = await runner(options);
  } catch (error) {
    console.error(error);
    outcome = { section, failed: (error as Error).message };
  }
  writeFileSync(out, JSON.stringify(outcome));
  return "failed" in outcome ? 1 : 0;
}

/**
 * Each section runs in its own Node process (same flags), so no section inherits another's JIT
 * state, heap or process-wide hooks, and every number is the same whichever sections are selected.
 */
function runInChild(section: string, options: RunOptions, dir: string): Promise<Outcome> {
  const out = join(dir, `${section}.json`);
  const args = [...process.execArgv, process.argv[1]!, "--section", section, "--out", out, ...(options.quick ? ["--quick"] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    child.on("error", (error) => resolve({ section, failed: error.message }));
    child.on("exit", (code, signal) => {
      try {
        resolve(JSON.parse(readFileSync(out, "utf8")) as Outcome);
      } catch {
        resolve({ section, failed: `the section process exited with ${signal ?? `code ${code}`} and no result` });
      }
    });
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return runChild(args.child.section, args.child.out, args.options);
  if (typeof global.gc !== "function") console.warn("warning: run with --expose-gc so the heap is collected between workloads");
  if (args.options.quick) console.log("--quick: smoke run; the numbers are not measurements and nothing is written");
  const dir = mkdtempSync(join(tmpdir(), "dataflow-bench-"));
  const missing = new Map<string, string>();
  let failed = false;
  try {
    for (const name of NAMES) {
      if (!args.only.includes(name)) continue;
      const outcome = await runInChild(name, args.options, dir);
      if ("skipped" in outcome) {
        missing.set(name, outcome.skipped);
        console.log(`\n=== ${name}: skipped: ${outcome.skipped} ===`);
      } else if ("failed" in outcome) {
        failed = true;
        missing.set(name, `failed: ${outcome.failed}`);
        console.error(`\n=== ${name}: failed: ${outcome.failed} ===`);
      } else {
        printSection(outcome);
        if (args.options.quick) for (const w of outcome.workloads) console.log(`sql (${w.id}):`, w.sql);
        else console.log(`wrote ${writeJson(outcome)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!args.options.quick) rewriteReadme(NAMES, missing);
  if (process.env.CI === "true" && missing.size > 0) {
    console.error(`CI=true: sections not measured: ${[...missing.keys()].join(", ")}`);
    return 1;
  }
  return failed ? 1 : 0;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error);
  return 1;
});
