import { desc, eq, sql as dsql } from "drizzle-orm";
import type { MySql2Database } from "drizzle-orm/mysql2";
import { drizzle } from "drizzle-orm/mysql2";
import { bigint, boolean, datetime, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import type { Generated } from "kysely";
import { Kysely, MysqlDialect } from "kysely";
import { createPool as createCallbackPool } from "mysql2";
import mysql from "mysql2/promise";
import type { Plugin } from "@dataflow/kernel/plugin";
import { DataFlow } from "@dataflow/kernel";
import type { TestDatabase } from "@dataflow/testing";
import { provisionDatabase } from "@dataflow/testing";
import { DataFlowNodes, captureSql } from "../dataflow-nodes.js";
import { machine, packageVersion } from "../environment.js";
import type { LatencyContender, LatencyPlan, ThroughputContender } from "../measure.js";
import type { SectionResult, SkippedSection, Unavailable, WorkloadResult } from "../types.js";
import type { Budgets } from "../verdicts.js";
import type { BenchInput, WorkloadId } from "../workload-data.js";
import { ALL_COLUMNS, BULK_ROWS, CREATE_POOL, INSERT_COLUMNS, LIST_LIMIT, SEEDED_ROWS, TABLES, TENANTS, makeInputs, readIds } from "../workload-data.js";
import type { RunOptions } from "./common.js";
import { chunks, latencyWorkload, planText, scaled, throughputWorkload, verify } from "./common.js";
import { loadPlugin, shareOneCpu, tryDataflow, unavailable } from "./server-common.js";

const BUDGETS: Budgets = { singleRowMaxDeltaUs: 5, bulkBaseline: ["raw-multirow"], bulkMinRatio: 0.8, noSlowerThanPeers: true, decimals: 1 };

const PLANS: Record<"create" | "read" | "list", LatencyPlan> = {
  create: { warmupOps: 3000, rounds: 40, batch: 100, sampleRounds: 20, sampleBatch: 100 },
  read: { warmupOps: 3000, rounds: 50, batch: 100, sampleRounds: 20, sampleBatch: 100 },
  list: { warmupOps: 2000, rounds: 40, batch: 100, sampleRounds: 20, sampleBatch: 100 },
};
const BULK_ROUNDS = 3;
const CHUNK = 1000;
const POOL_MAX = 1;

const q = (identifier: string) => `\`${identifier}\``;
const columns = (names: readonly string[]) => names.map(q).join(", ");

/** What sql-core emits for MySQL 8 (no RETURNING: INSERT, then read the row back by id); used only while DataFlow's own SQL cannot be captured. */
const fallbackSql = {
  insert: (t: string) => `INSERT INTO ${q(t)} (${columns(INSERT_COLUMNS)}) VALUES (${INSERT_COLUMNS.map(() => "?").join(", ")})`,
  read: (t: string) => `SELECT ${columns(ALL_COLUMNS)} FROM ${q(t)} WHERE ${q("id")} = ? LIMIT 2`,
  list: (t: string) => `SELECT ${columns(ALL_COLUMNS)} FROM ${q(t)} WHERE ${q("tenant")} = ? ORDER BY ${q("score")} DESC, ${q("id")} DESC LIMIT ?`,
};

/** The table as DataFlow declares it; run only when DataFlow did not create it (IF NOT EXISTS). */
function fallbackDdl(t: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${q(t)} (${q("id")} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, ${q("name")} VARCHAR(100) NOT NULL, ` +
    `${q("email")} VARCHAR(200) NOT NULL, ${q("tenant")} BIGINT NOT NULL, ${q("score")} BIGINT NOT NULL, ${q("active")} BOOLEAN NOT NULL, ` +
    `${q("created_at")} DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), ${q("updated_at")} DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), ` +
    `INDEX ${q(`ix_${t}_tenant_score_id`)} (${q("tenant")}, ${q("score")}, ${q("id")})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`
  );
}

const multiRowTexts = new Map<string, string>();

function multiRowInsert(t: string, rows: number): string {
  const key = `${t}|${rows}`;
  let text = multiRowTexts.get(key);
  if (!text) {
    const tuple = `(${INSERT_COLUMNS.map(() => "?").join(", ")})`;
    text = `INSERT INTO ${q(t)} (${columns(INSERT_COLUMNS)}) VALUES ${new Array<string>(rows).fill(tuple).join(", ")}`;
    multiRowTexts.set(key, text);
  }
  return text;
}

interface KyselyRow {
  id: Generated<number>;
  name: string;
  email: string;
  tenant: number;
  score: number;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}
type KyselyDb = Record<string, KyselyRow>;

function drizzleTable(name: string) {
  return mysqlTable(name, {
    id: bigint("id", { mode: "number" }).primaryKey().autoincrement(),
    name: varchar("name", { length: 100 }).notNull(),
    email: varchar("email", { length: 200 }).notNull(),
    tenant: bigint("tenant", { mode: "number" }).notNull(),
    score: bigint("score", { mode: "number" }).notNull(),
    active: boolean("active").notNull(),
    created_at: datetime("created_at", { fsp: 6 }).notNull(),
    updated_at: datetime("updated_at", { fsp: 6 }).notNull(),
  });
}

type DataflowSide<F> = { ok: true; fn: F; sql: string[] } | { ok: false; reason: string };
type Header = { insertId: number };

const poolOptions = (url: string) => ({ uri: url, connectionLimit: POOL_MAX, timezone: "Z" as const });

class MysqlBench {
  readonly raw: mysql.Pool;
  readonly kysely: Kysely<KyselyDb>;
  readonly drizzlePool: mysql.Pool;
  readonly drizzle: MySql2Database;
  readonly dataflow: DataFlow | undefined;
  readonly nodes: DataFlowNodes | undefined;
  readonly dataflowWhy: string;

  constructor(
    readonly db: TestDatabase,
    readonly options: RunOptions,
    adapter: { plugin: Plugin } | { unavailable: string },
  ) {
    this.raw = mysql.createPool(poolOptions(db.url));
    this.kysely = new Kysely<KyselyDb>({ dialect: new MysqlDialect({ pool: createCallbackPool(poolOptions(db.url)) }) });
    this.drizzlePool = mysql.createPool(poolOptions(db.url));
    this.drizzle = drizzle({ client: this.drizzlePool });
    if ("plugin" in adapter) {
      this.dataflow = new DataFlow({ url: db.url, plugins: [adapter.plugin], pool: { max: POOL_MAX } });
      this.nodes = new DataFlowNodes(this.dataflow);
      this.dataflowWhy = "";
    } else {
      this.dataflow = undefined;
      this.nodes = undefined;
      this.dataflowWhy = adapter.unavailable;
    }
  }

  async close(): Promise<void> {
    await this.dataflow?.close().catch(() => {});
    await this.kysely.destroy().catch(() => {});
    await this.drizzlePool.end().catch(() => {});
    await this.raw.end().catch(() => {});
  }

  private async table(workload: WorkloadId): Promise<{ ok: true } | { ok: false; reason: string }> {
    const created = this.nodes ? await tryDataflow(() => this.nodes!.createTable(workload)) : { ok: false as const, reason: this.dataflowWhy };
    await this.raw.query(fallbackDdl(TABLES[workload]));
    return created.ok ? { ok: true } : created;
  }

  private async dataflowSide<F>(
    table: { ok: true } | { ok: false; reason: string },
    make: (nodes: DataFlowNodes) => F,
    probe: (fn: F) => Promise<unknown>,
  ): Promise<DataflowSide<F>> {
    if (!table.ok) return table;
    const made = await tryDataflow(async () => {
      const fn = make(this.nodes!);
      return { fn, sql: await captureSql(() => probe(fn)) };
    });
    return made.ok ? { ok: true, ...made.value } : made;
  }

  private dataflowContender<F>(
    side: DataflowSide<F>,
    label: string,
    op: (fn: F) => (i: number) => unknown,
  ): { contenders: LatencyContender[]; unavailable: Unavailable[] } {
    if (side.ok) return { contenders: [{ role: "dataflow", label, sync: false, op: op(side.fn) }], unavailable: [] };
    return { contenders: [], unavailable: [unavailable("dataflow", label, side.reason)] };
  }

  /**
   * Multi-row INSERT, server-side prepared (mysql2 `execute`), chunked: the fastest raw form measured
   * (src/mysql-bulk-forms.mjs: text at 500-5,000 rows, prepared at 500-5,000, LOAD DATA LOCAL INFILE).
   */
  private async insertRows(conn: mysql.PoolConnection, table: string, rows: readonly BenchInput[]): Promise<void> {
    const now = new Date();
    for (const part of chunks(rows, CHUNK)) {
      const values: Array<string | number | boolean | Date> = [];
      for (const r of part) values.push(r.name, r.email, r.tenant, r.score, r.active, now, now);
      await conn.execute(multiRowInsert(table, part.length), values);
    }
  }

  private async multiRow(table: string, rows: readonly BenchInput[]): Promise<void> {
    const conn = await this.raw.getConnection();
    try {
      await conn.beginTransaction();
      await this.insertRows(conn, table, rows);
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  }

  private async seed(table: string, rows: readonly BenchInput[]): Promise<void> {
    await this.multiRow(table, rows);
    await this.raw.query(`ANALYZE TABLE ${q(table)}`);
  }

  async create(): Promise<WorkloadResult> {
    const table = TABLES.create;
    const notes: string[] = [];
    const pool = makeInputs(CREATE_POOL, 1);
    const side = await this.dataflowSide(
      await this.table("create"),
      (n) => n.create("create"),
      (fn) => fn(pool[0]!),
    );
    // Raw repeats DataFlow's statements: INSERT ... RETURNING, or INSERT then SELECT by the new id.
    let statements = [fallbackSql.insert(table), fallbackSql.read(table)];
    if (side.ok && side.sql.length >= 1 && side.sql.length <= 2) statements = side.sql;
    else
      notes.push(
        side.ok
          ? `DataFlow sent ${side.sql.length} statements; raw runs INSERT + SELECT by id`
          : "Raw runs INSERT + SELECT by id, the statements sql-core generates for MySQL.",
      );
    const [insertText, selectText] = statements as [string, string | undefined];
    const raw = this.raw;
    const d = drizzleTable(table);
    const p = (name: string) => dsql.placeholder(name);
    const drizzleInsertQuery = this.drizzle.insert(d).values({
      name: p("name"),
      email: p("email"),
      tenant: p("tenant"),
      score: p("score"),
      active: p("active"),
      created_at: p("created_at"),
      updated_at: p("updated_at"),
    });
    const drizzleByIdQuery = this.drizzle
      .select()
      .from(d)
      .where(eq(d.id, dsql.placeholder("id")));
    const drizzleInsert = drizzleInsertQuery.prepare();
    const drizzleById = drizzleByIdQuery.prepare();
    const kysely = this.kysely;
    const df = this.dataflowContender(side, "DataFlow Create node", (fn) => (i) => fn(pool[i & (CREATE_POOL - 1)]!));
    const contenders: LatencyContender[] = [
      {
        role: "raw",
        label: "mysql2 query (text protocol)",
        sync: false,
        op: async (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date();
          const [res] = await raw.query(insertText, [r.name, r.email, r.tenant, r.score, r.active, now, now]);
          if (!selectText) return (res as unknown as Record<string, unknown>[])[0];
          const [rows] = await raw.query(selectText, [(res as unknown as Header).insertId]);
          return (rows as Record<string, unknown>[])[0];
        },
      },
      ...df.contenders,
      {
        role: "kysely",
        label: "Kysely",
        sync: false,
        op: async (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date();
          const { insertId } = await kysely
            .insertInto(table)
            .values({ ...r, created_at: now, updated_at: now })
            .executeTakeFirstOrThrow();
          return kysely.selectFrom(table).selectAll().where("id", "=", Number(insertId)).executeTakeFirst();
        },
      },
      {
        role: "drizzle",
        label: "Drizzle .prepare()",
        sync: false,
        op: async (i) => {
          const r = pool[i & (CREATE_POOL - 1)]!;
          const now = new Date();
          const [header] = await drizzleInsert.execute({ ...r, created_at: now, updated_at: now });
          return (await drizzleById.execute({ id: header.insertId }))[0];
        },
      },
    ];
    await verify(contenders, (row) => ((row as { id?: unknown })?.id != null ? undefined : "create returned no row"));
    return latencyWorkload({
      id: "create",
      title: "insert one row",
      contenders,
      unavailable: df.unavailable,
      plan: scaled(PLANS.create, this.options),
      budgets: BUDGETS,
      shape: "single-row",
      notes,
      sql: {
        raw: statements.join("; "),
        dataflow: side.ok ? side.sql.join("; ") : side.reason,
        kysely: `${
          kysely
            .insertInto(table)
            .values({ ...pool[0]!, created_at: new Date(0), updated_at: new Date(0) })
            .compile().sql
        }; ${kysely.selectFrom(table).selectAll().where("id", "=", 1).compile().sql}`,
        drizzle: `${drizzleInsertQuery.toSQL().sql}; ${drizzleByIdQuery.toSQL().sql}`,
      },
    });
  }

  async read(): Promise<WorkloadResult> {
    const table = TABLES.read;
    const notes: string[] = [];
    const created = await this.table("read");
    await this.seed(table, makeInputs(SEEDED_ROWS, 2));
    const ids = readIds(SEEDED_ROWS);
    const mask = ids.length - 1;
    const side = await this.dataflowSide(
      created,
      (n) => n.read("read"),
      (fn) => fn(ids[0]!),
    );
    let text = fallbackSql.read(table);
    if (side.ok && side.sql.length === 1) text = side.sql[0]!;
    else notes.push("Raw runs the SELECT sql-core generates for MySQL (DataFlow's own text could not be captured).");
    const raw = this.raw;
    const d = drizzleTable(table);
    const drizzleReadQuery = this.drizzle
      .select()
      .from(d)
      .where(eq(d.id, dsql.placeholder("id")));
    const drizzleRead = drizzleReadQuery.prepare();
    const kysely = this.kysely;
    const df = this.dataflowContender(side, "DataFlow Read node", (fn) => (i) => fn(ids[i & mask]!));
    const contenders: LatencyContender[] = [
      {
        role: "raw",
        label: "mysql2 query (text protocol)",
        sync: false,
        op: async (i) => ((await raw.query(text, [ids[i & mask]!]))[0] as Record<string, unknown>[])[0],
      },
      ...df.contenders,
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
      { role: "drizzle", label: "Drizzle .prepare()", sync: false, op: async (i) => (await drizzleRead.execute({ id: ids[i & mask] }))[0] },
    ];
    await verify(contenders, (row) => (Number((row as { id?: unknown })?.id) === ids[0] ? undefined : `read did not return id ${ids[0]}`));
    return latencyWorkload({
      id: "read",
      title: `read by id (${SEEDED_ROWS.toLocaleString("en-US")} rows)`,
      contenders,
      unavailable: df.unavailable,
      plan: scaled(PLANS.read, this.options),
      budgets: BUDGETS,
      shape: "single-row",
      notes,
      sql: {
        raw: text,
        dataflow: side.ok ? side.sql.join("; ") : side.reason,
        kysely: kysely.selectFrom(table).selectAll().where("id", "=", 1).compile().sql,
        drizzle: drizzleReadQuery.toSQL().sql,
      },
    });
  }

  async list(): Promise<WorkloadResult> {
    const table = TABLES.list;
    const notes: string[] = [];
    const created = await this.table("list");
    await this.seed(table, makeInputs(SEEDED_ROWS, 3));
    const side = await this.dataflowSide(
      created,
      (n) => n.list("list"),
      (fn) => fn(0),
    );
    let text = fallbackSql.list(table);
    if (side.ok && side.sql.length === 1) text = side.sql[0]!;
    else notes.push("Raw runs the SELECT sql-core generates for MySQL (DataFlow's own text could not be captured).");
    const raw = this.raw;
    const d = drizzleTable(table);
    const drizzleListQuery = this.drizzle
      .select()
      .from(d)
      .where(eq(d.tenant, dsql.placeholder("tenant")))
      .orderBy(desc(d.score), desc(d.id))
      .limit(dsql.placeholder("limit"));
    const drizzleList = drizzleListQuery.prepare();
    const kysely = this.kysely;
    const kyselyList = (tenant: number) =>
      kysely.selectFrom(table).selectAll().where("tenant", "=", tenant).orderBy("score", "desc").orderBy("id", "desc").limit(LIST_LIMIT);
    const df = this.dataflowContender(side, "DataFlow List node", (fn) => (i) => fn(i % TENANTS));
    const contenders: LatencyContender[] = [
      { role: "raw", label: "mysql2 query (text protocol)", sync: false, op: async (i) => (await raw.query(text, [i % TENANTS, LIST_LIMIT]))[0] },
      ...df.contenders,
      { role: "kysely", label: "Kysely", sync: false, op: (i) => kyselyList(i % TENANTS).execute() },
      { role: "drizzle", label: "Drizzle .prepare()", sync: false, op: (i) => drizzleList.execute({ tenant: i % TENANTS, limit: LIST_LIMIT }) },
    ];
    const expectedFirst = Number(((await raw.execute(text, [0, LIST_LIMIT]))[0] as Array<{ id: unknown }>)[0]!.id);
    await verify(contenders, (rows) => {
      const list = rows as Array<{ id: unknown }>;
      if (!Array.isArray(list) || list.length !== LIST_LIMIT) return `list returned ${Array.isArray(list) ? list.length : "no"} rows`;
      return Number(list[0]!.id) === expectedFirst ? undefined : "list returned rows in another order";
    });
    return latencyWorkload({
      id: "list",
      title: `list ${LIST_LIMIT} of ${SEEDED_ROWS.toLocaleString("en-US")} (indexed)`,
      contenders,
      unavailable: df.unavailable,
      plan: scaled(PLANS.list, this.options),
      budgets: BUDGETS,
      shape: "list",
      notes,
      sql: { raw: text, dataflow: side.ok ? side.sql.join("; ") : side.reason, kysely: kyselyList(0).compile().sql, drizzle: drizzleListQuery.toSQL().sql },
    });
  }

  async bulk(): Promise<WorkloadResult> {
    const table = TABLES.bulk;
    const created = await this.table("bulk");
    const rows = makeInputs(BULK_ROWS, 4);
    const side = await this.dataflowSide(
      created,
      (n) => n.bulkCreate("bulk"),
      (fn) => fn(rows.slice(0, 2)),
    );
    const raw = this.raw;
    const kysely = this.kysely;
    const drizzleDb = this.drizzle;
    const d = drizzleTable(table);
    const contenders: ThroughputContender<BenchInput>[] = [
      { role: "raw-multirow", label: `mysql2 tx + INSERT x${CHUNK} (execute)`, run: (batch) => this.multiRow(table, batch) },
      {
        role: "kysely",
        label: `Kysely tx + INSERT x${CHUNK}`,
        run: (batch) =>
          kysely.transaction().execute(async (trx) => {
            const now = new Date();
            for (const part of chunks(batch, CHUNK))
              await trx
                .insertInto(table)
                .values(part.map((r) => ({ ...r, created_at: now, updated_at: now })))
                .execute();
          }),
      },
      {
        role: "drizzle",
        label: `Drizzle tx + INSERT x${CHUNK}`,
        run: (batch) =>
          drizzleDb.transaction(async (tx) => {
            const now = new Date();
            for (const part of chunks(batch, CHUNK)) await tx.insert(d).values(part.map((r) => ({ ...r, created_at: now, updated_at: now })));
          }),
      },
    ];
    const unavailableDf: Unavailable[] = [];
    if (side.ok) contenders.splice(1, 0, { role: "dataflow", label: "DataFlow BulkCreate node", run: async (batch) => void (await side.fn(batch)) });
    else unavailableDf.push(unavailable("dataflow", "DataFlow BulkCreate node", side.reason));
    return throughputWorkload(
      {
        id: "bulk",
        title: `BulkCreate ${rows.length.toLocaleString("en-US")} rows`,
        contenders,
        unavailable: unavailableDf,
        plan: {
          rows,
          warmupRows: 10_000,
          rounds: BULK_ROUNDS,
          reset: async () => void (await raw.query(`TRUNCATE TABLE ${q(table)}`)),
          count: async () => Number(((await raw.query(`SELECT COUNT(*) AS n FROM ${q(table)}`))[0] as Array<{ n: unknown }>)[0]!.n),
        },
        budgets: BUDGETS,
        sql: {
          "raw-multirow": `INSERT INTO ${q(table)} (...) VALUES (?, ...) x${CHUNK} rows (${CHUNK * INSERT_COLUMNS.length} placeholders), mysql2 execute (server-side prepared)`,
          dataflow: side.ok
            ? `${side.sql.map((t) => (t.length > 300 ? `${t.slice(0, 300)}...` : t)).join("; ") || "adapter bulkWrite (statements not traced)"} (a 2-row probe, sent as text; full ${CHUNK}-row statements go server-side prepared)`
            : side.reason,
          kysely: `multi-row INSERT, ${CHUNK} rows per statement`,
          drizzle: `multi-row INSERT, ${CHUNK} rows per statement`,
        },
      },
      this.options,
    );
  }

  async settings(): Promise<Record<string, string | number>> {
    const [rows] = await this.raw.query(
      "SELECT VERSION() AS version, @@innodb_flush_log_at_trx_commit AS flush, @@sync_binlog AS sync_binlog, @@innodb_doublewrite AS doublewrite, " +
        "@@innodb_buffer_pool_size AS buffer_pool, @@log_bin AS log_bin",
    );
    const v = (rows as Array<Record<string, unknown>>)[0]!;
    return {
      database: `MariaDB ${String(v.version)} (own server on 127.0.0.1 via @dataflow/testing, durable: innodb_flush_log_at_trx_commit=${String(v.flush)}, innodb_doublewrite=${String(v.doublewrite)}, log_bin=${String(v.log_bin)}, sync_binlog=${String(v.sync_binlog)}, innodb_buffer_pool_size=${Math.round(Number(v.buffer_pool) / 2 ** 20)}MB)`,
      pool: `mysql2 pool connectionLimit ${POOL_MAX} per library (DataFlow pool.max ${POOL_MAX}), so every library pays the same checkout cost`,
      create: planText(scaled(PLANS.create, this.options)),
      read: planText(scaled(PLANS.read, this.options)),
      list: planText(scaled(PLANS.list, this.options)),
      bulk: this.options.quick
        ? "quick: 1 run of 5,000 rows"
        : `${BULK_ROUNDS} runs of ${BULK_ROWS.toLocaleString("en-US")} rows per contender after a 10,000-row warm-up; TRUNCATE before each run`,
    };
  }

  get sectionNotes(): string[] {
    return [
      this.nodes
        ? "Raw runs the exact SQL texts DataFlow sends (captured from its query tracing channel) over the protocol DataFlow uses by default: mysql2 query (text protocol, values escaped by mysql2; `preparedStatements: false`, see packages/sql-mysql). Until 2026-12-07 raw used execute (server-side prepared), so DataFlow paid the server's parse of every statement and raw did not."
        : `DataFlow: ${this.dataflowWhy}; tables use the DDL DataFlow would emit, raw runs the SQL sql-core generates for MySQL.`,
      "Create returns the stored row: on MariaDB 10.5+ DataFlow sends one INSERT ... RETURNING and raw repeats it; Kysely and Drizzle (no RETURNING in their MySQL dialects) and every contender on MySQL 8 run INSERT, then SELECT by id.",
    ];
  }
}

export async function runMysql(options: RunOptions): Promise<SectionResult | SkippedSection> {
  const started = performance.now();
  const environment = machine();
  const provisioned = await provisionDatabase("mysql", { ownServer: true, durable: true });
  if (!provisioned.ok) return { section: "mysql", skipped: `no MySQL/MariaDB server could be provisioned: ${provisioned.reason}` };
  const cpus = shareOneCpu(provisioned.db.server?.pid);
  const adapter = await loadPlugin("@dataflow/sql-mysql");
  const bench = new MysqlBench(provisioned.db, options, adapter);
  try {
    console.log(`mysql (server pid ${provisioned.db.server?.pid ?? "?"}):`);
    const workloads: WorkloadResult[] = [];
    workloads.push(await bench.create());
    workloads.push(await bench.read());
    workloads.push(await bench.list());
    workloads.push(await bench.bulk());
    return {
      section: "mysql",
      title: "MySQL protocol (mysql2 against MariaDB, loopback TCP)",
      generatedAt: new Date().toISOString(),
      durationSec: (performance.now() - started) / 1000,
      decimals: 1,
      environment: {
        ...environment,
        mysql2: packageVersion("mysql2"),
        kysely: packageVersion("kysely"),
        "drizzle-orm": packageVersion("drizzle-orm"),
      },
      settings: { ...(await bench.settings()), cpus },
      workloads,
      notes: bench.sectionNotes,
    };
  } finally {
    await bench.close();
    await provisioned.db.dispose();
  }
}
