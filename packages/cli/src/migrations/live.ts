import type { Dialect, SqlExecutor } from "@dataflow/sql-core";

/** What a migration needs to know about one live table. */
export interface LiveTable {
  readonly columns: ReadonlySet<string>;
  readonly indexes: ReadonlySet<string>;
}

/**
 * The live database as migrations see it. `CatalogSchemaReader` answers from the dialect's catalog
 * queries (names only); a fuller reader (types, constraints) can replace it without changing callers.
 */
export interface LiveSchemaReader {
  /** The table, or undefined when it does not exist. */
  table(name: string): Promise<LiveTable | undefined>;
  /** Rows in the table (0 when it does not exist). */
  rowCount(table: string): Promise<number>;
  /** Rows whose column is not NULL: the values a drop would lose. */
  valueCount(table: string, column: string): Promise<number>;
  /** Rows whose column is NULL. */
  nullCount(table: string, column: string): Promise<number>;
}

export class CatalogSchemaReader implements LiveSchemaReader {
  constructor(
    private readonly dialect: Dialect,
    private readonly exec: SqlExecutor,
  ) {}

  private async names(query: { text: string; params: unknown[] }): Promise<Set<string>> {
    const { rows } = await this.exec.query(query.text, query.params);
    return new Set(rows.map((r) => String(r.name)));
  }

  async table(name: string): Promise<LiveTable | undefined> {
    const columns = await this.names(this.dialect.catalog.columns(name));
    if (columns.size === 0) return undefined;
    return { columns, indexes: await this.names(this.dialect.catalog.indexes(name)) };
  }

  private async count(table: string, where: string): Promise<number> {
    if ((await this.table(table)) === undefined) return 0;
    const { rows } = await this.exec.query(`SELECT COUNT(*) AS n FROM ${this.dialect.quote(table)}${where}`, []);
    return Number(rows[0]?.n ?? 0);
  }

  rowCount(table: string): Promise<number> {
    return this.count(table, "");
  }

  valueCount(table: string, column: string): Promise<number> {
    return this.count(table, ` WHERE ${this.dialect.quote(column)} IS NOT NULL`);
  }

  nullCount(table: string, column: string): Promise<number> {
    return this.count(table, ` WHERE ${this.dialect.quote(column)} IS NULL`);
  }
}
