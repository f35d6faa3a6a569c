import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { desc, eq, sql as dsql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Generated } from "kysely";
import { Kysely, SqliteDialect } from "kysely";
import { DataFlow } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";
import type { FlowOutput } from "../dataflow-nodes.js";
import { DataFlowNodes, captureSql, flowWorkflow } from "../dataflow-nodes.js";
import { packageVersion, machine } from "../environment.js";
import type { LatencyContender, LatencyPlan, ThroughputContender } from "../measure.js";
import type { SectionResult, WorkloadResult } from "../types.js";
import type { Budgets } from "../verdicts.js";
import type { BenchInput } from "../workload-data.js";
import {
  BULK_ROWS,
  CREATE_POOL,
  FLOW_LIST_LIMIT,
  FLOW_NEW_TENANT,
  INSERT_COLUMNS,
  LIST_LIMIT,
  SEEDED_ROWS,
  TABLES,
  TENANTS,
  makeInputs,
  readIds,
} from "../workload-data.js";
import type { RunOptions } from "./common.js";
import { chunks, latencyWorkload, planText, scaled, startupWorkload, throughputWorkload, verify } from "./common.js";
import { shareOneCpu } from "./server-common.js";

const BUDGETS: Budgets = {
  singleRowMaxDeltaUs: 3,
  workflowMaxDeltaUs: 15,
  coldStartMaxDeltaMs: 5,
  /** The faster of the two raw forms (one row per INSERT, multi-row INSERTs) is the bulk budget's baseline. */
  bulkBaseline: ["raw", "raw-multirow"],
  bulkMinRatio: 0.8,
  noSlowerThanPeers: true,
  decimals: 2,
};

const PLANS: Record<"create" | "read" | "list" | "flow", LatencyPlan> = {
  create: { warmupOps: 2000, rounds: 200, batch: 100, sampleRounds: 20, sampleBatch: 500 },
  flow: { warmupOps: 2000, rounds: 100, batch: 100, sampleRounds: 10, sampleBatch: 200 },
  read: { warmupOps: 5000, rounds: 100, batch: 500, sampleRounds: 20, sampleBatch: 1000 },
  list: { warmupOps: 1000, rounds: 50, batch: 400, sampleRounds: 10, sampleBatch: 500 },
};
const BULK_ROUNDS = 5;
const COLD_RUNS = 15;
const COLD_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "cold-start");
/** Rows the workflow's List and Count read from: 100 per tenant. */
const FLOW_SEEDED = 10_000;
const PEER_CHUNK = 1000;
/** Rows per statement of the raw multi-row contender: the fewest instructions per row in memory (bench/README.md "BulkCreate: where the time goes"). */
const RAW_MULTI_ROWS = 64;

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
    this.raw
      .transaction(() => {
        for (const r of rows) stmt.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
      })
      .immediate();
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
      .values({
        name: p("name"),
        email: p("email"),
        tenant: p("tenant"),
        score: p("score"),
        active: p("active"),
        created_at: p("created_at"),
        updated_at: p("updated_at"),
      })
      .returning()
      .prepare();
    const kysely = this.kysely;
    const contenders: LatencyContender[] = [
      {
        role: "raw",
        label: "better-sqlite3 prepared",
        sync: true,
        op: (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date().toISOString();
          return stmt.all(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now)[0];
        },
      },
      { role: "dataflow", label: "DataFlow Create node", sync: false, op: (i) => dfCreate(pool[i & (CREATE_POOL - 1)]!) },
      {
        role: "kysely",
        label: "Kysely",
        sync: false,
        op: (i) =>
          kysely
            .insertInto(table)
            .values(kyselyValues(pool[i & (CREATE_POOL - 1)]!, new Date().toISOString()))
            .returningAll()
            .executeTakeFirstOrThrow(),
      },
      {
        role: "drizzle",
        label: "Drizzle .prepare()",
        sync: true,
        op: (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date().toISOString();
          return drizzleInsert.all({ name: r.name, email: r.email, tenant: r.tenant, score: r.score, active: r.active, created_at: now, updated_at: now })[0];
        },
      },
    ];
    await verify(contenders, (row) => (typeof (row as { id?: unknown })?.id === "number" ? undefined : "create returned no numeric id"));
    return latencyWorkload({
      id: "create",
      title: "create one row",
      contenders,
      unavailable: [],
      plan: scaled(PLANS.create, this.options),
      budgets: BUDGETS,
      shape: "single-row",
      sql: {
        raw: text!,
        dataflow: text!,
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
    const drizzleRead = this.drizzle
      .select()
      .from(d)
      .where(eq(d.id, dsql.placeholder("id")))
      .prepare();
    const kysely = this.kysely;
    const contenders: LatencyContender[] = [
      { role: "raw", label: "better-sqlite3 prepared", sync: true, op: (i) => stmt.get(ids[i & mask]) },
      { role: "dataflow", label: "DataFlow Read node", sync: false, op: (i) => dfRead(ids[i & mask]!) },
      {
        role: "kysely",
        label: "Kysely",
        sync: false,
        op: (i) =>
          kysely
            .selectFrom(table)
            .selectAll()
            .where("id", "=", ids[i & mask]!)
            .executeTakeFirst(),
      },
      { role: "drizzle", label: "Drizzle .prepare()", sync: true, op: (i) => drizzleRead.get({ id: ids[i & mask] }) },
    ];
    await verify(contenders, (row) => ((row as { id?: unknown })?.id === ids[0] ? undefined : `read did not return id ${ids[0]}`));
    return latencyWorkload({
      id: "read",
      title: `read by id (${SEEDED_ROWS.toLocaleString("en-US")} rows)`,
      contenders,
      unavailable: [],
      plan: scaled(PLANS.read, this.options),
      budgets: BUDGETS,
      shape: "single-row",
      sql: {
        raw: text!,
        dataflow: text!,
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
      .select()
      .from(d)
      .where(eq(d.tenant, dsql.placeholder("tenant")))
      .orderBy(desc(d.score), desc(d.id))
      .limit(dsql.placeholder("limit"))
      .prepare();
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
      id: "list",
      title: `list ${LIST_LIMIT} of ${SEEDED_ROWS.toLocaleString("en-US")} (indexed)`,
      contenders,
      unavailable: [],
      plan: scaled(PLANS.list, this.options),
      budgets: BUDGETS,
      shape: "list",
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
    // Multi-row INSERTs of RAW_MULTI_ROWS rows into one reused bind array; the remainder one row per statement.
    const multiStmt = this.raw.prepare(
      `${text.slice(0, text.lastIndexOf("("))}${Array(RAW_MULTI_ROWS)
        .fill(`(${INSERT_COLUMNS.map(() => "?").join(", ")})`)
        .join(", ")}`,
    );
    const bind = new Array<unknown>(RAW_MULTI_ROWS * INSERT_COLUMNS.length);
    const rawMulti = this.raw.transaction((batch: readonly BenchInput[]) => {
      const now = new Date().toISOString();
      let from = 0;
      for (; from + RAW_MULTI_ROWS <= batch.length; from += RAW_MULTI_ROWS) {
        let j = 0;
        for (let k = from; k < from + RAW_MULTI_ROWS; k++) {
          const r = batch[k]!;
          bind[j++] = r.name;
          bind[j++] = r.email;
          bind[j++] = r.tenant;
          bind[j++] = r.score;
          bind[j++] = r.active ? 1 : 0;
          bind[j++] = now;
          bind[j++] = now;
        }
        multiStmt.run(bind);
      }
      for (const r of batch.slice(from)) stmt.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
    });
    const dfBulk = this.nodes.bulkCreate("bulk");
    const d = drizzleTable(table);
    const kysely = this.kysely;
    const drizzleDb = this.drizzle;
    const contenders: ThroughputContender<BenchInput>[] = [
      { role: "raw", label: "better-sqlite3 tx + prepared INSERT", run: (batch) => rawInsert.immediate(batch) },
      { role: "raw-multirow", label: `better-sqlite3 tx + prepared INSERT x${RAW_MULTI_ROWS}`, run: (batch) => rawMulti.immediate(batch) },
      { role: "dataflow", label: "DataFlow BulkCreate node", run: async (batch) => void (await dfBulk(batch)) },
      {
        role: "kysely",
        label: `Kysely tx + INSERT x${PEER_CHUNK}`,
        run: (batch) =>
          kysely.transaction().execute(async (trx) => {
            const now = new Date().toISOString();
            for (const part of chunks(batch, PEER_CHUNK))
              await trx
                .insertInto(table)
                .values(part.map((r) => kyselyValues(r, now)))
                .execute();
          }),
      },
      {
        role: "drizzle",
        label: `Drizzle tx + INSERT x${PEER_CHUNK}`,
        run: (batch) =>
          drizzleDb.transaction(
            (tx) => {
              const now = new Date().toISOString();
              for (const part of chunks(batch, PEER_CHUNK))
                tx.insert(d)
                  .values(part.map((r) => ({ ...r, created_at: now, updated_at: now })))
                  .run();
            },
            { behavior: "immediate" },
          ),
      },
    ];
    const countStmt = this.raw.prepare(`SELECT COUNT(*) AS n FROM "${table}"`);
    return throughputWorkload(
      {
        id: "bulk",
        title: `BulkCreate ${rows.length.toLocaleString("en-US")} rows`,
        contenders,
        unavailable: [],
        plan: {
          rows,
          warmupRows: 10_000,
          rounds: BULK_ROUNDS,
          reset: async () => {
            this.raw.exec(`DELETE FROM "${table}"`);
            this.checkpoint();
          },
          count: async () => (countStmt.get() as { n: number }).n,
        },
        budgets: BUDGETS,
        notes: [
          `The budget's baseline is the faster raw form: one cached single-row INSERT per row, or cached ${RAW_MULTI_ROWS}-row INSERTs (fewer statement steps and run() calls, but slower on this file-backed, indexed table in the measured runs).`,
        ],
        sql: {
          raw: text,
          "raw-multirow": `INSERT ... VALUES (?, ...) x${RAW_MULTI_ROWS} rows, the remainder one row per statement`,
          dataflow: `${text} (adapter bulkWrite: one transaction, cached statement)`,
          kysely: `multi-row INSERT, ${PEER_CHUNK} rows per statement`,
          drizzle: `multi-row INSERT, ${PEER_CHUNK} rows per statement`,
        },
      },
      this.options,
    );
  }

  /** The 5-node workflow against the same 5 statements run by the driver in sequence. */
  async workflow(): Promise<WorkloadResult> {
    await this.nodes.createTable("flow");
    this.seed(TABLES.flow, makeInputs(FLOW_SEEDED, 5));
    const pool = makeInputs(CREATE_POOL, 6).map((r, i) => ({ ...r, tenant: FLOW_NEW_TENANT + (i % TENANTS) }));
    const input = (i: number) => pool[i & (CREATE_POOL - 1)]!;
    const dfFlow = flowWorkflow(this.nodes, "flow");
    const texts = await captureSql(() => dfFlow(pool[0]!, 0, 1));
    const pick = (test: (t: string) => boolean, what: string) => {
      const t = texts.find(test);
      if (!t) throw new Error(`the workflow sent no ${what} statement: ${texts.join("; ")}`);
      return this.raw.prepare(t);
    };
    const insert = pick((t) => t.startsWith("INSERT"), "INSERT");
    const read = pick((t) => t.startsWith("SELECT") && t.includes(`WHERE "id" = ?`), "read");
    const update = pick((t) => t.startsWith("UPDATE"), "UPDATE");
    const list = pick((t) => t.startsWith("SELECT") && t.includes("ORDER BY"), "list");
    const count = pick((t) => t.startsWith("SELECT COUNT"), "COUNT");
    const rawFlow = (i: number): FlowOutput => {
      const r = input(i);
      const now = new Date().toISOString();
      const created = insert.all(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now)[0] as { id: number };
      const row = read.get(created.id) as { id: number };
      const updated = update.all(i, new Date().toISOString(), row.id)[0] as Record<string, unknown>;
      const rows = list.all(i % TENANTS, FLOW_LIST_LIMIT) as Record<string, unknown>[];
      const n = (count.get(i % TENANTS) as { n: number }).n;
      return { created, read: row, updated, list: rows, count: n };
    };
    const contenders: LatencyContender[] = [
      { role: "raw", label: "better-sqlite3, 5 prepared statements", sync: true, op: rawFlow },
      { role: "dataflow", label: "DataFlow 5-node workflow", sync: false, op: (i) => dfFlow(input(i), i % TENANTS, i) },
    ];
    await verify(contenders, (value) => {
      const out = value as FlowOutput;
      if (out.updated?.id !== out.created?.id || out.read?.id !== out.created?.id) return "update/read did not follow the created row";
      if (out.list?.length !== FLOW_LIST_LIMIT) return `list returned ${out.list?.length} rows`;
      return out.count === FLOW_SEEDED / TENANTS ? undefined : `count was ${out.count}, expected ${FLOW_SEEDED / TENANTS}`;
    });
    return latencyWorkload({
      id: "workflow",
      title: "5-node workflow (Create, Read via connection, Update, List of 10, Count)",
      contenders,
      unavailable: [],
      plan: scaled(PLANS.flow, this.options),
      budgets: BUDGETS,
      shape: "workflow",
      sql: { raw: `${texts.length} statements: ${texts.join("; ")}`, dataflow: texts.join("; ") },
      notes: [
        `Raw runs the ${texts.length} statements DataFlow sends (captured), in sequence, through cached better-sqlite3 statements; DataFlow runs the workflow with per-run parameters for Create, Update, List and Count.`,
        `List and Count read a tenant of ${FLOW_SEEDED / TENANTS} seeded rows; created rows go to other tenants, so every run reads the same amount.`,
      ],
    });
  }

  /** Fresh processes from start to the first Create's result, on a copy of a file that has the table. */
  async coldStart(): Promise<WorkloadResult> {
    const template = join(this.dir, "cold-template.db");
    const templateDb = new DataFlow({ url: `sqlite://${template}`, plugins: [sqlitePlugin] });
    try {
      await new DataFlowNodes(templateDb).createTable("cold");
    } finally {
      await templateDb.close();
    }
    let run = 0;
    const fresh = () => {
      const file = join(this.dir, `cold-${run++}.db`);
      copyFileSync(template, file);
      return file;
    };
    return startupWorkload(
      {
        id: "cold-start",
        title: "cold start to first Create (embedded)",
        contenders: [
          { role: "raw", label: "better-sqlite3: open + INSERT", args: () => [join(COLD_DIR, "raw.mjs"), fresh(), TABLES.cold] },
          { role: "dataflow", label: "DataFlow: import, model, workflow, first Create", args: () => [join(COLD_DIR, "dataflow.mjs"), fresh(), TABLES.cold] },
        ],
        runs: COLD_RUNS,
        budgets: BUDGETS,
        sql: { raw: "INSERT ... RETURNING (prepared after open)", dataflow: "schema check of the model, then INSERT ... RETURNING" },
        notes: [
          `${COLD_RUNS} fresh \`node\` processes per contender (plain ESM, no tsx), alternating, after one untimed start each; time is performance.now() in the child when the row is back (from process start), on a copy of a file that already has the table.`,
        ],
      },
      this.options,
    );
  }

  settings(): Record<string, string | number> {
    const version = (this.raw.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
    return {
      database: `SQLite ${version} (temp file, journal_mode=${String(this.raw.pragma("journal_mode", { simple: true }))}, synchronous=NORMAL, busy_timeout=5000, foreign_keys=ON)`,
      connections: "one better-sqlite3 connection per contender, same file",
      create: planText(scaled(PLANS.create, this.options)),
      read: planText(scaled(PLANS.read, this.options)),
      list: planText(scaled(PLANS.list, this.options)),
      workflow: planText(scaled(PLANS.flow, this.options)),
      bulk: this.options.quick
        ? "quick: 1 run of 5,000 rows"
        : `${BULK_ROUNDS} runs of ${BULK_ROWS.toLocaleString("en-US")} rows per contender after a 10,000-row warm-up, empty table each run`,
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
    workloads.push(await bench.workflow());
    workloads.push(await bench.coldStart());
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
