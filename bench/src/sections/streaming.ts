import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFlow } from "@dataflow/kernel";
import { provisionDatabase } from "@dataflow/testing";
import { machine } from "../environment.js";
import { streamModel } from "../stream-model.js";
import type { SectionResult, SkippedSection, Verdict, WorkloadResult } from "../types.js";
import type { RunOptions } from "./common.js";

type Database = "sqlite" | "postgres" | "mysql";

interface Probe {
  readonly rows: number;
  readonly checksum: number;
  readonly seconds: number;
  readonly rssGrowthMB: number;
  readonly heapGrowthMB: number;
  /** Heap after a full GC with the stream open, at 10% and at 100% of the rows (minus the baseline). */
  readonly retainedMB: readonly number[];
}

/** How far above the raw driver's own streaming DataFlow's peak RSS growth may be and still count as constant memory. */
const SLACK_MB = 32;
const PROBE = fileURLToPath(new URL("../stream-memory-probe.ts", import.meta.url));

/** Fills `stream_rows` (created by DataFlow's own DDL) with `n` rows, by SQL on the server side. */
async function seed(database: Database, url: string, n: number): Promise<void> {
  const db = new DataFlow({ url });
  streamModel(db);
  await db.initialize();
  const adapter = db.adapter as unknown as { query(text: string, params: unknown[]): Promise<unknown> };
  const cols = "name, qty, price, active, created_at, updated_at";
  if (database === "sqlite") {
    await adapter.query(
      `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${n}) INSERT INTO stream_rows (${cols}) ` +
        "SELECT 'name-' || i, i, i * 0.5, i % 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM g",
      [],
    );
  } else if (database === "postgres") {
    await adapter.query(`INSERT INTO stream_rows (${cols}) SELECT 'name-' || g, g, g * 0.5, g % 2 = 0, now(), now() FROM generate_series(1, ${n}) g`, []);
  } else {
    await adapter.query(`INSERT INTO stream_rows (${cols}) VALUES ('name-1', 1, 0.5, 1, NOW(6), NOW(6))`, []);
    for (let have = 1; have < n; have *= 2) {
      await adapter.query(
        `INSERT INTO stream_rows (${cols}) SELECT CONCAT('name-', id + ${have}), qty + ${have}, price, active, created_at, updated_at FROM stream_rows ORDER BY id LIMIT ${Math.min(have, n - have)}`,
        [],
      );
    }
  }
  await db.close();
}

function probe(database: Database, contender: "raw" | "dataflow", url: string, rows: number): Probe {
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", PROBE, database, contender, url, String(rows)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Probe;
  } catch {
    throw new Error(`${database} ${contender} probe failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  }
}

/** Whether the heap retained with the stream open grew from 10% to 100% of the rows (1 MB of tolerance). */
function growth(retained: readonly number[]): string {
  const [early, late] = retained;
  if (early === undefined || late === undefined) return "not sampled";
  return late - early <= 1 ? "no growth with the row count: constant memory" : `grew by ${(late - early).toFixed(1)} MB from 10% to 100% of the rows`;
}

function mb(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(1)} MB`;
}

function workload(database: Database, n: number, url: string): WorkloadResult {
  console.log(`  ${database}: streaming ${n.toLocaleString("en-US")} rows (raw driver, then db.stream)`);
  const raw = probe(database, "raw", url, n);
  const df = probe(database, "dataflow", url, n);
  if (raw.rows !== n || df.rows !== n || raw.checksum !== df.checksum) {
    throw new Error(`${database}: raw read ${raw.rows} rows (checksum ${raw.checksum}), DataFlow ${df.rows} (checksum ${df.checksum}); expected ${n}`);
  }
  const verdict: Verdict = {
    budget: `constant memory: peak RSS growth <= raw streaming + ${SLACK_MB} MB`,
    measured: `DataFlow ${mb(df.rssGrowthMB)} RSS / ${mb(df.heapGrowthMB)} heap; raw ${mb(raw.rssGrowthMB)} RSS / ${mb(raw.heapGrowthMB)} heap`,
    status: df.rssGrowthMB <= raw.rssGrowthMB + SLACK_MB ? "PASS" : "MISS",
  };
  const rawApi = { sqlite: "better-sqlite3 Statement.iterate()", postgres: "pg-cursor, read(1000)", mysql: "mysql2 query().stream()" }[database];
  return {
    id: `stream-${database}`,
    title: `${database}: stream ${n.toLocaleString("en-US")} rows`,
    kind: "throughput",
    contenders: [],
    ratios: [],
    verdicts: [verdict],
    sql: { raw: "SELECT * FROM stream_rows ORDER BY id", dataflow: 'db.stream(StreamRow, { orderBy: "id" }), batchSize 1000' },
    notes: [
      `raw (${rawApi}): ${mb(raw.rssGrowthMB)} peak RSS, ${mb(raw.heapGrowthMB)} peak heap, ${raw.seconds.toFixed(1)} s; ` +
        `DataFlow db.stream: ${mb(df.rssGrowthMB)} peak RSS, ${mb(df.heapGrowthMB)} peak heap, ${df.seconds.toFixed(1)} s`,
      `heap retained after a full GC with the stream open, at 10% / 100% of the rows: raw ${raw.retainedMB.map(mb).join(" / ")}; ` +
        `DataFlow ${df.retainedMB.map(mb).join(" / ")} (${growth(df.retainedMB)})`,
    ],
  };
}

/**
 * Streaming memory: 1,000,000 rows read with the raw driver's own streaming API and with
 * `db.stream()`, each in a fresh process; growth of RSS and heap over the baseline after setup,
 * sampled every 1,000 rows.
 */
export async function runStreaming(options: RunOptions): Promise<SectionResult | SkippedSection> {
  const started = performance.now();
  const n = options.quick ? 20_000 : 1_000_000;
  const workloads: WorkloadResult[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "df-bench-stream-"));
  try {
    const sqliteUrl = `sqlite://${join(dir, "stream.db")}`;
    await seed("sqlite", sqliteUrl, n);
    workloads.push(workload("sqlite", n, sqliteUrl));
    for (const database of ["postgres", "mysql"] as const) {
      const provisioned = await provisionDatabase(database, { ownServer: true });
      if (!provisioned.ok) {
        notes.push(`${database}: not measured: ${provisioned.reason}`);
        continue;
      }
      try {
        await seed(database, provisioned.db.url, n);
        workloads.push(workload(database, n, provisioned.db.url));
      } finally {
        await provisioned.db.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    "Each figure is one fresh Node process: peak of RSS and heapUsed sampled every 1,000 rows, minus the values after setup and a full GC (--expose-gc).",
  );
  return {
    section: "streaming",
    title: "Streaming memory (db.stream vs the raw driver's streaming)",
    generatedAt: new Date().toISOString(),
    durationSec: (performance.now() - started) / 1000,
    decimals: 1,
    environment: machine(),
    settings: { rows: n, batchSize: 1000, slackMB: SLACK_MB },
    workloads,
    notes,
  };
}
