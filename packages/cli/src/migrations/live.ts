import type { DiscoveredTable } from "@dataflow/kernel/plugin";
import type { Dialect, SqlExecutor } from "@dataflow/sql-core";
import { discoverSchema } from "@dataflow/sql-core";
import type { ForeignKeyState } from "./state.js";

/** A live column as the database declares it. */
export interface LiveColumnInfo {
  /** The type as the catalog spells it, e.g. `character varying(255)`. */
  readonly nativeType: string;
  /** The DataFlow field kind the dialect reads the type as; undefined when none fits. */
  readonly kind: string | undefined;
  readonly nullable: boolean;
}

/** What a migration needs to know about one live table. */
export interface LiveTable {
  readonly columns: ReadonlySet<string>;
  readonly indexes: ReadonlySet<string>;
  /** Types and nullability by column, when the reader knows them. */
  readonly columnInfo?: ReadonlyMap<string, LiveColumnInfo>;
  /** Single-column foreign keys, when the reader knows them. */
  readonly foreignKeys?: readonly ForeignKeyState[];
}

/**
 * The live database as migrations see it. `CatalogSchemaReader` answers from the dialect's catalog:
 * names from its per-table queries, types and foreign keys from its discovery queries.
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

/**
 * Reads the database once per instance (the whole-schema discovery queries run on first use):
 * create one per command, not one for a process that changes the schema in between.
 */
export class CatalogSchemaReader implements LiveSchemaReader {
  private discovered: Promise<Map<string, DiscoveredTable>> | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly exec: SqlExecutor,
  ) {}

  private async names(query: { text: string; params: unknown[] }): Promise<Set<string>> {
    const { rows } = await this.exec.query(query.text, query.params);
    return new Set(rows.map((r) => String(r.name)));
  }

  private discover(): Promise<Map<string, DiscoveredTable>> {
    if (!this.dialect.catalog.discovery) return Promise.resolve(new Map());
    this.discovered ??= discoverSchema(this.dialect, this.exec).then((s) => new Map(s.tables.map((t) => [t.name, t])));
    return this.discovered;
  }

  async table(name: string): Promise<LiveTable | undefined> {
    const columns = await this.names(this.dialect.catalog.columns(name));
    if (columns.size === 0) return undefined;
    const indexes = await this.names(this.dialect.catalog.indexes(name));
    const found = (await this.discover()).get(name);
    if (!found) return { columns, indexes };
    return {
      columns,
      indexes,
      columnInfo: new Map(found.columns.map((c) => [c.name, { nativeType: c.nativeType, kind: c.kind, nullable: c.nullable }])),
      foreignKeys: found.foreignKeys.flatMap((fk) =>
        fk.columns.length === 1 && fk.referencedColumns.length === 1
          ? [
              {
                name: fk.name,
                column: fk.columns[0] as string,
                referencedTable: fk.referencedTable,
                referencedColumn: fk.referencedColumns[0] as string,
                onDelete: fk.onDelete.toUpperCase(),
                onUpdate: fk.onUpdate.toUpperCase(),
              },
            ]
          : [],
      ),
    };
  }

  private async count(table: string, where: string): Promise<number> {
    if ((await this.names(this.dialect.catalog.columns(table))).size === 0) return 0;
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
