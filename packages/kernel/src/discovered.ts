import type { FieldKind, ReferentialAction } from "./field.js";

/**
 * A live database's schema as `db.discoverSchema()` reports it. Family-neutral: SQL adapters fill
 * it from their catalogs; names are as the database spells them.
 */
export interface DiscoveredSchema {
  /** The database family, as the adapter's dialect names it (`sqlite`, `postgresql`, `mysql`). */
  readonly database: string;
  /** Tables and views, by name. */
  readonly tables: readonly DiscoveredTable[];
  /** Named enum types (PostgreSQL `CREATE TYPE ... AS ENUM`) and MySQL `ENUM` columns (named `table.column`). */
  readonly enums: readonly DiscoveredEnum[];
}

export interface DiscoveredTable {
  readonly name: string;
  readonly kind: "table" | "view";
  readonly comment: string | undefined;
  /** In table order. */
  readonly columns: readonly DiscoveredColumn[];
  /** Primary key columns, in key order (empty: none; views have none). */
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly DiscoveredForeignKey[];
  /** Unique constraints and unique indexes (each also appears in `indexes`). */
  readonly uniques: readonly DiscoveredIndex[];
  /** Every index but the primary key's. */
  readonly indexes: readonly DiscoveredIndex[];
}

export interface DiscoveredColumn {
  readonly name: string;
  /** The type as the database declares it, e.g. `character varying(40)`, `DECIMAL(12,2)`, `TEXT`. */
  readonly nativeType: string;
  /** The DataFlow field kind this column reads and writes as; undefined when no kind fits (see the SQL adapters' READMEs). */
  readonly kind: FieldKind | undefined;
  readonly nullable: boolean;
  /** Filled by the database (identity, serial, AUTO_INCREMENT, SQLite's INTEGER PRIMARY KEY). */
  readonly autoIncrement: boolean;
  readonly default: DiscoveredDefault | undefined;
  readonly comment: string | undefined;
  readonly maxLength?: number;
  readonly precision?: number;
  readonly scale?: number;
  /** `enum` columns: the allowed values (a PostgreSQL enum type, a MySQL ENUM, or a `CHECK (c IN (...))`). */
  readonly enumValues?: readonly string[];
  readonly dimensions?: number;
}

export interface DiscoveredDefault {
  /** The default as the catalog spells it, e.g. `'draft'::character varying`, `CURRENT_TIMESTAMP`. */
  readonly expression: string;
  /** Set when the expression is a plain literal (a number, string or boolean), as a JS value. */
  readonly value?: string | number | boolean;
}

export interface DiscoveredForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly referencedTable: string;
  readonly referencedColumns: readonly string[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

export interface DiscoveredIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface DiscoveredEnum {
  readonly name: string;
  readonly values: readonly string[];
}

/** `db.discoverSchema()` of an adapter (optional member of `BaseAdapter`). */
export interface SchemaDiscovery {
  discoverSchema(): Promise<DiscoveredSchema>;
}
