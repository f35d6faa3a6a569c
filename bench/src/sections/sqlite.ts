import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { desc, eq, sql as dsql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Generated } from "kysely";
import { Kysely, SqliteDialect } from "kysely";
import { DataFlow } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";
import { DataFlowNodes, captureSql } from "../dataflow-nodes.js";
import { packageVersion, machine } from "../environment.js";
import type { LatencyContender, LatencyPlan, ThroughputContender } from "../measure.js";
import type { SectionResult, WorkloadResult } from "../types.js";
import type { Budgets } from "../verdicts.js";
import type { BenchInput } from "../workload-data.js";
import {
  BULK_ROWS, CREATE_POOL, INSERT_COLUMNS, LIST_LIMIT, SEEDED_ROWS, TABLES, TENANTS, makeInputs, readIds,
} from "../workload-data.js";
import type { RunOptions } from "./common.js";
import { chunks, latencyWorkload, planText, scaled, throughputWorkload, verify } from "./common.js";
import { shareOneCpu } from "./server-common.js";

const BUDGETS: Budgets = { singleRowMaxDeltaUs: 3, bulkBaseline: ["raw"], bulkMinRatio: 0.8, noSlowerThanPeers: false, decimals: 2 };

const PLANS: Record<"create" | "read" | "list", LatencyPlan> = {
  create: { warmupOps: 2000, rounds: 200, batch: 100, sampleRounds: 20, sampleBatch: 500 },
  read: { warmupOps: 5000, rounds: 100, batch: 500, sampleRounds: 20, sampleBatch: 1000 },
  list: { warmupOps: 1000, rounds: 50, batch: 400, sampleRounds: 10, sampleBatch: 500 },
};
const BULK_ROUNDS = 5;
const PEER_CHUNK = 1000;

/** better-sqlite3 connection with the DataFlow adapter's pragmas (integers stay the driver's default numbers). */
function openConnection(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.pragma("case_sensitive_like = ON");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

interface KyselyRow {
  id: Generated<number>;
  name: string;
  email: string;
  tenant: number;
  score: number;
  active: number;
  created_at: string;
  updated_at: string;
}
type KyselyDb = Record<string, KyselyRow>;

function drizzleTable(name: string) {
  return sqliteTable(name, {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    email: text("email").notNull(),
    tenant: integer("tenant").notNull(),
    score: integer("score").notNull(),
    active: integer("active", { mode: "boolean" }).notNull(),
    created_at: text("created_at").notNull(),
    updated_at: text("updated_at").notNull(),
  });
}

function kyselyValues(r: BenchInput, now: string) {
  return { name: r.name, email: r.email, tenant: r.tenant, score: r.score, active: r.active ? 1 : 0, created_at: now, updated_at: now };
}

function insertSql(table: string): string {
  return `INSERT INTO "${table}" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${INSERT_COLUMNS.map(() => "?").join(", ")})`;
}

class SqliteBench {
  readonly dir = mkdtempSync(join(tmpdir(), "dataflow-bench-sqlite-"));
  readonly file = join(this.dir, "bench.db");
  readonly raw = openConnection(this.file);
  readonly dataflow = new DataFlow({ url: `sqlite://${this.file}`, plugins: [sqlitePlugin] });
  readonly nodes = new DataFlowNodes(this.dataflow);
  readonly kysely = new Kysely<KyselyDb>({ dialect: new SqliteDialect({ database: openConnection(this.file) }) });
  readonly drizzleClient = openConnection(this.file);
  readonly drizzle: BetterSQLite3Database = drizzle({ client: this.drizzleClient });

  constructor(readonly options: RunOptions) {}

  async close(): Promise<void> {
    await this.dataflow.close();
    await this.kysely.destroy();
    this.drizzleClient.close();
    this.raw.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private seed(table: string, rows: readonly BenchInput[]): void {
    const stmt = this.raw.prepare(insertSql(table));
    const now = new Date().toISOString();
    this.raw.transaction(() => {
      for (const r of rows) stmt.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
    }).immediate();
    this.raw.exec("ANALYZE");
    this.checkpoint();
  }

  private checkpoint(): void {
    this.raw.pragma("wal_checkpoint(TRUNCATE)");
  }

  async create(): Promise<WorkloadResult> {
    const table = TABLES.create;
    await this.nodes.createTable("create");
    const pool = makeInputs(CREATE_POOL, 1);
    const dfCreate = this.nodes.create("create");
    const [text] = await captureSql(() => dfCreate(pool[0]!));
    const stmt = this.raw.prepare(text!);
    const d = drizzleTable(table);
    const p = (name: string) => dsql.placeholder(name);
    const drizzleInsert = this.drizzle
      .insert(d)
      .values({ name: p("name"), email: p("email"), tenant: p("tenant"), score: p("score"), active: p("active"), created_at: p("created_at"), updated_at: p("updated_at") })
      .returning()
      .prepare();
    const kysely = this.kysely;
    const contenders: LatencyContender[] = [
      {
        role: "raw", label: "better-sqlite3 prepared", sync: true,
        op: (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date().toISOString();
          return stmt.all(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now)[0];
        },
      },
      { role: "dataflow", label: "DataFlow Create node", sync: false, op: (i) => dfCreate(pool[i & (CREATE_POOL - 1)]!) },
      {
        role: "kysely", label: "Kysely", sync: false,
        op: (i) => kysely.insertInto(table).values(kyselyValues(pool[i & (CREATE_POOL - 1)]!, new Date().toISOString())).returningAll().executeTakeFirstOrThrow(),
      },
      {
        role: "drizzle", label: "Drizzle .prepare()", sync: true,
        op: (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date().toISOString();
          return drizzleInsert.all({ name: r.name, email: r.email, tenant: r.tenant, score: r.score, active: r.active, created_at: now, updated_at: now })[0];
        },
      },
    ];
    await verify(contenders, (row) => (typeof (row as { id?: unknown })?.id === "number" ? undefined : "create returned no numeric id"));
    return latencyWorkload({
      id: "create", title: "create one row", contenders, unavailable: [], plan: scaled(PLANS.create, this.options), budgets: BUDGETS, shape: "single-row",
      sql: {
        raw: text!, dataflow: text!,
        kysely: kysely.insertInto(table).values(kyselyValues(pool[0]!, "")).returningAll().compile().sql,
        drizzle: drizzleInsert.getQuery().sql,
      },
    });
  }

  async read(): Promise<WorkloadResult> {
    const table = TABLES.read;
    await this.nodes.createTable("read");
    this.seed(table, makeInputs(SEEDED_ROWS, 2));
    const ids = readIds(SEEDED_ROWS);
    const mask = ids.length - 1;
    const dfRead = this.nodes.read("read");
    const [text] = await captureSql(() => dfRead(ids[0]!));
    const stmt = this.raw.prepare(text!);
    const d = drizzleTable(table);
    const drizzleRead = this.drizzle.select().from(d).where(eq(d.id, dsql.placeholder("id"))).prepare();
    const kysely = this.kysely;
    const contenders: LatencyContender[] = [
      { role: "raw", label: "better-sqlite3 prepared", sync: true, op: (i) => stmt.get(ids[i & mask]) },
      { role: "dataflow", label: "DataFlow Read node", sync: false, op: (i) => dfRead(ids[i & mask]!) },
      { role: "kysely", label: "Kysely", sync: false, op: (i) => kysely.selectFrom(table).selectAll().where("id", "=", ids[i & mask]!).executeTakeFirst() },
      { role: "drizzle", label: "Drizzle .prepare()", sync: true, op: (i) => drizzleRead.get({ id: ids[i & mask] }) },
    ];
    await verify(contenders, (row) => ((row as { id?: unknown })?.id === ids[0] ? undefined : `read did not return id ${ids[0]}`));
    return latencyWorkload({
      id: "read", title: `read by id (${SEEDED_ROWS.toLocaleString("en-US")} rows)`, contenders, unavailable: [], plan: scaled(PLANS.read, this.options),
      budgets: BUDGETS, shape: "single-row",
      sql: {
        raw: text!, dataflow: text!,
        kysely: kysely.selectFrom(table).selectAll().where("id", "=", 1).compile().sql,
        drizzle: drizzleRead.getQuery().sql,
      },
    });
  }

  async list(): Promise<WorkloadResult> {
    const table = TABLES.list;
    await this.nodes.createTable("list");
    this.seed(table, makeInputs(SEEDED_ROWS, 3));
    const dfList = this.nodes.list("list");
    const [text] = await captureSql(() => dfList(0));
    const stmt = this.raw.prepare(text!);
    const d = drizzleTable(table);
    const drizzleList = this.drizzle
      .select().from(d).where(eq(d.tenant, dsql.placeholder("tenant"))).orderBy(desc(d.score), desc(d.id)).limit(dsql.placeholder("limit")).prepare();
    const kysely = this.kysely;
    const kyselyList = (tenant: number) =>
      kysely.selectFrom(table).selectAll().where("tenant", "=", tenant).orderBy("score", "desc").orderBy("id", "desc").limit(LIST_LIMIT);
    const contenders: LatencyContender[] = [
      { role: "raw", label: "better-sqlite3 prepared", sync: true, op: (i) => stmt.all(i % TENANTS, LIST_LIMIT) },
      { role: "dataflow", label: "DataFlow List node", sync: false, op: (i) => dfList(i % TENANTS) },
      { role: "kysely", label: "Kysely", sync: false, op: (i) => kyselyList(i % TENANTS).execute() },
      { role: "drizzle", label: "Drizzle .prepare()", sync: true, op: (i) => drizzleList.all({ tenant: i % TENANTS, limit: LIST_LIMIT }) },
    ];
    const expectedFirst = (stmt.all(0, LIST_LIMIT) as Array<{ id: number }>)[0]!.id;
    await verify(contenders, (rows) => {
      const list = rows as Array<{ id: unknown }>;
      if (!Array.isArray(list) || list.length !== LIST_LIMIT) return `list returned ${Array.isArray(list) ? list.length : "no"} rows`;
      return list[0]!.id === expectedFirst ? undefined : "list returned rows in another order";
    });
    return latencyWorkload({
      id: "list", title: `list ${LIST_LIMIT} of ${SEEDED_ROWS.toLocaleString("en-US")} (indexed)`, contenders, unavailable: [], plan: scaled(PLANS.list, this.options),
      budgets: BUDGETS, shape: "list",
      sql: { raw: text!, dataflow: text!, kysely: kyselyList(0).compile().sql, drizzle: drizzleList.getQuery().sql },
      notes: ["DataFlow decodes every row (booleans, Date instants, integers); raw, Kysely and Drizzle return driver values (Drizzle maps booleans)."],
    });
  }

  async bulk(): Promise<WorkloadResult> {
    const table = TABLES.bulk;
    await this.nodes.createTable("bulk");
    const rows = makeInputs(BULK_ROWS, 4);
    const text = insertSql(table);
    const stmt = this.raw.prepare(text);
    const rawInsert = this.raw.transaction((batch: readonly BenchInput[]) => {
      const now = new Date().toISOString();
      for (const r of batch) stmt.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
    });
    const dfBulk = this.nodes.bulkCreate("bulk");
    const d = drizzleTable(table);
    const kysely = this.kysely;
    const drizzleDb = this.drizzle;
    const contenders: ThroughputContender<BenchInput>[] = [
      { role: "raw", label: "better-sqlite3 tx + prepared INSERT", run: (batch) => rawInsert.immediate(batch) },
      { role: "dataflow", label: "DataFlow BulkCreate node", run: async (batch) => void (await dfBulk(batch)) },
      {
        role: "kysely", label: `Kysely tx + INSERT x${PEER_CHUNK}`,
        run: (batch) =>
          kysely.transaction().execute(async (trx) => {
            const now = new Date().toISOString();
            for (const part of chunks(batch, PEER_CHUNK)) await trx.insertInto(table).values(part.map((r) => kyselyValues(r, now))).execute();
          }),
      },
      {
        role: "drizzle", label: `Drizzle tx + INSERT x${PEER_CHUNK}`,
        run: (batch) =>
          drizzleDb.transaction((tx) => {
            const now = new Date().toISOString();
            for (const part of chunks(batch, PEER_CHUNK)) tx.insert(d).values(part.map((r) => ({ ...r, created_at: now, updated_at: now }))).run();
          }, { behavior: "immediate" }),
      },
    ];
    const countStmt = this.raw.prepare(`SELECT COUNT(*) AS n FROM "${table}"`);
    return throughputWorkload({
      id: "bulk", title: `BulkCreate ${rows.length.toLocaleString("en-US")} rows`, contenders, unavailable: [],
      plan: {
        rows, warmupRows: 10_000, rounds: BULK_ROUNDS,
        reset: async () => {
          this.raw.exec(`DELETE FROM "${table}"`);
          this.checkpoint();
        },
        count: async () => (countStmt.get() as { n: number }).n,
      },
      budgets: BUDGETS,
      sql: { raw: text, dataflow: `${text} (adapter bulkWrite: one transaction, cached statement)`, kysely: `multi-row INSERT, ${PEER_CHUNK} rows per statement`, drizzle: `multi-row INSERT, ${PEER_CHUNK} rows per statement` },
    }, this.options);
  }

  settings(): Record<string, string | number> {
    const version = (this.raw.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
    return {
      database: `SQLite ${version} (temp file, journal_mode=${String(this.raw.pragma("journal_mode", { simple: true }))}, synchronous=NORMAL, busy_timeout=5000, foreign_keys=ON)`,
      connections: "one better-sqlite3 connection per contender, same file",
      create: planText(scaled(PLANS.create, this.options)),
      read: planText(scaled(PLANS.read, this.options)),
      list: planText(scaled(PLANS.list, this.options)),
      bulk: this.options.quick ? "quick: 1 run of 5,000 rows" : `${BULK_ROUNDS} runs of ${BULK_ROWS.toLocaleString("en-US")} rows per contender after a 10,000-row warm-up, empty table each run`,
    };
  }
}

export async function runSqlite(options: RunOptions): Promise<SectionResult> {
  const started = performance.now();
  const environment = machine();
  const cpus = shareOneCpu(undefined);
  const bench = new SqliteBench(options);
  try {
    const workloads: WorkloadResult[] = [];
    console.log("sqlite:");
    workloads.push(await bench.create());
    workloads.push(await bench.read());
    workloads.push(await bench.list());
    workloads.push(await bench.bulk());
    return {
      section: "sqlite",
      title: "SQLite (better-sqlite3, embedded)",
      generatedAt: new Date().toISOString(),
      durationSec: (performance.now() - started) / 1000,
      decimals: 2,
      environment: {
        ...environment,
        "better-sqlite3": packageVersion("better-sqlite3"),
        kysely: packageVersion("kysely"),
        "drizzle-orm": packageVersion("drizzle-orm"),
      },
      settings: { ...bench.settings(), cpus },
      workloads,
      notes: [
        "Raw runs the exact SQL text DataFlow sends (captured from its query tracing channel), through a cached better-sqlite3 statement.",
        "DataFlow's adapter reads integers as BigInt (defaultSafeIntegers) and decodes them; raw, Kysely and Drizzle use the driver's default numbers.",
        "INSERT ... RETURNING runs with .all() for every contender (as DataFlow and Kysely do): .get() resets the statement before SQLite reports SQLITE_DONE, so SQLite never runs its WAL auto-checkpoint for it and the contender would leave its checkpoint work to the next one.",
      ],
    };
  } finally {
    await bench.close();
  }
}
