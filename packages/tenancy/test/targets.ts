import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { DataFlowOptions } from "@dataflow/kernel";
import type { Plugin, PoolOptions } from "@dataflow/kernel/plugin";
import { DataFlow } from "@dataflow/kernel";
import mysqlPlugin from "@dataflow/sql-mysql";
import postgresPlugin from "@dataflow/sql-postgres";
import sqlitePlugin from "@dataflow/sql-sqlite";
import type { TestDatabase } from "@dataflow/testing";
import type { StrategyName, TenancyPlugin } from "../src/index.js";
import { tenancy } from "../src/index.js";
import * as mysql from "mysql2/promise";
import pg from "pg";
import { uniquePrefix } from "./support.js";

export type DatabaseKind = "sqlite" | "postgres" | "mysql";

export interface Opened {
  readonly db: DataFlow;
  readonly tenancy: TenancyPlugin;
}

/** One database with one tenancy strategy, plus a raw driver connection that bypasses DataFlow (and RLS). */
export interface Target {
  readonly name: string;
  readonly kind: DatabaseKind;
  readonly strategy: StrategyName;
  /** Schema/database name prefix of the schema strategy. */
  readonly prefix: string;
  /** A DataFlow with the tenancy plugin (closed by `dispose`). */
  open(options?: { pool?: PoolOptions; tenancy?: TenancyPlugin; plugins?: readonly Plugin[] }): Opened;
  /** Rows straight from the database: `table` in the tenant's schema (schema strategy), else the shared table. */
  rawRows(table: string, tenant?: string): Promise<Record<string, unknown>[]>;
  /** A tenant's rows straight from the database: its schema's table, or the shared table's rows with its tenant_id. */
  rawTenantRows(table: string, tenant: string): Promise<Record<string, unknown>[]>;
  /** One raw statement (admin rights). */
  raw(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Where a tenant's rows of `table` live, as a qualified name for raw SQL. */
  tableOf(table: string, tenant?: string): string;
  dispose(): Promise<void>;
}

let models = 0;
/** A model name no other test of this process uses (tables of one database never clash). */
export function modelName(base: string): string {
  return `${base}${++models}`;
}

abstract class BaseTarget implements Target {
  abstract readonly kind: DatabaseKind;
  readonly prefix: string;
  readonly name: string;
  protected readonly opened: DataFlow[] = [];

  constructor(
    readonly strategy: StrategyName,
    label: string,
  ) {
    this.name = `${strategy}/${label}`;
    this.prefix = uniquePrefix(strategy[0]!);
  }

  protected abstract options(): DataFlowOptions;
  abstract raw(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  abstract tableOf(table: string, tenant?: string): string;

  open(options: { pool?: PoolOptions; tenancy?: TenancyPlugin; plugins?: readonly Plugin[] } = {}): Opened {
    const plugin = options.tenancy ?? tenancy({ strategy: this.strategy, ...(this.strategy === "schema" ? { schemaPrefix: this.prefix } : {}) });
    const base = this.options();
    const db = new DataFlow({
      ...base,
      plugins: [...(base.plugins ?? []), ...(options.plugins ?? []), plugin],
      ...(options.pool ? { pool: options.pool } : {}),
    });
    this.opened.push(db);
    return { db, tenancy: plugin };
  }

  rawRows(table: string, tenant?: string): Promise<Record<string, unknown>[]> {
    return this.raw(`SELECT * FROM ${this.tableOf(table, tenant)}`);
  }

  protected abstract placeholder(): string;

  rawTenantRows(table: string, tenant: string): Promise<Record<string, unknown>[]> {
    return this.raw(`SELECT * FROM ${this.tableOf(table, tenant)} WHERE tenant_id = ${this.placeholder()}`, [tenant]);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((db) => db.close()));
  }
}

export class SqliteTarget extends BaseTarget {
  readonly kind = "sqlite" as const;
  private readonly dir = mkdtempSync(join(tmpdir(), "df-tenancy-"));
  private readonly file = join(this.dir, "app.db");

  constructor(strategy: StrategyName) {
    super(strategy, "sqlite");
  }

  protected options(): DataFlowOptions {
    return { url: `sqlite:${this.file}`, plugins: [sqlitePlugin] };
  }

  async raw(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const conn = new Database(this.file);
    try {
      const stmt = conn.prepare(text);
      if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
      stmt.run(...params);
      return [];
    } finally {
      conn.close();
    }
  }

  tableOf(table: string): string {
    return `"${table}"`;
  }

  protected placeholder(): string {
    return "?";
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PostgresTarget extends BaseTarget {
  readonly kind = "postgres" as const;
  private client: pg.Client | undefined;
  private role: string | undefined;
  /** rls: the application role's URL (NOSUPERUSER NOBYPASSRLS). */
  appUrl: string | undefined;

  constructor(
    strategy: StrategyName,
    private readonly database: TestDatabase,
  ) {
    super(strategy, "postgres");
  }

  /** rls needs a role that RLS applies to: created here (NOSUPERUSER NOBYPASSRLS) and used by DataFlow. */
  async prepare(): Promise<this> {
    this.client = new pg.Client({ connectionString: this.database.url });
    this.client.on("error", () => {});
    await this.client.connect();
    if (this.strategy === "rls") {
      this.role = `df_app_${this.prefix.slice(1, -1)}`;
      const dbName = new URL(this.database.url).pathname.slice(1);
      await this.client.query(`CREATE ROLE ${this.role} LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS`);
      await this.client.query(`GRANT ALL ON DATABASE "${dbName}" TO ${this.role}`);
      await this.client.query(`GRANT ALL ON SCHEMA public TO ${this.role}`);
      const url = new URL(this.database.url);
      url.username = this.role;
      url.password = "app";
      this.appUrl = url.toString();
    }
    return this;
  }

  /** The superuser URL (for tests that must show the rls strategy refuses it). */
  get adminUrl(): string {
    return this.database.url;
  }

  protected options(): DataFlowOptions {
    return { url: this.appUrl ?? this.database.url, plugins: [postgresPlugin] };
  }

  async raw(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.client!.query(text, params)).rows as Record<string, unknown>[];
  }

  tableOf(table: string, tenant?: string): string {
    return this.strategy === "schema" && tenant !== undefined ? `"${this.prefix}${tenant}"."${table}"` : `"${table}"`;
  }

  protected placeholder(): string {
    return "$1";
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    if (this.role) await this.client!.query(`DROP OWNED BY ${this.role}`);
    await this.client?.end();
    if (this.role) {
      const admin = new pg.Client({ connectionString: this.database.adminUrl });
      await admin.connect();
      try {
        await admin.query(`DROP ROLE IF EXISTS ${this.role}`);
      } finally {
        await admin.end();
      }
    }
  }
}

export class MysqlTarget extends BaseTarget {
  readonly kind = "mysql" as const;
  private conn: mysql.Connection | undefined;

  constructor(
    strategy: StrategyName,
    private readonly database: TestDatabase,
  ) {
    super(strategy, "mariadb");
  }

  async prepare(): Promise<this> {
    this.conn = await mysql.createConnection({ uri: this.database.url, supportBigNumbers: true, dateStrings: true });
    return this;
  }

  protected options(): DataFlowOptions {
    return { url: this.database.url, plugins: [mysqlPlugin] };
  }

  async raw(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn!.query(text, params);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  }

  tableOf(table: string, tenant?: string): string {
    return this.strategy === "schema" && tenant !== undefined ? `\`${this.prefix}${tenant}\`.\`${table}\`` : `\`${table}\``;
  }

  protected placeholder(): string {
    return "?";
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    if (this.strategy === "schema") {
      const rows = await this.raw("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", [`${this.prefix}%`]);
      for (const r of rows) await this.raw(`DROP DATABASE \`${String(r.name)}\``);
    }
    await this.conn?.end();
  }
}
