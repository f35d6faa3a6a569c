import type { CatalogDiscovery, CatalogQuery, ColumnKind } from "@dataflow/sql-core";
import { literalDefault, parseTypeName } from "@dataflow/sql-core";

/** Tables, partitioned tables, views and materialized views of the connection's default schema. */
const RELATIONS = "n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')";
const FROM_RELATIONS = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";

/** Each column of a table of the default schema, with its type, nullability and default (drift checks). */
export function columnDetails(table: string): CatalogQuery {
  return {
    text: `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
        a.atthasdef AS has_default, a.attidentity <> '' AS auto
      FROM pg_attribute a WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    params: [table],
  };
}

/**
 * format_type() names -> field kinds. `timestamp without time zone` reads as datetime (its values
 * taken as UTC); types with no kind (bytea, inet, arrays, intervals, geometric types) are undefined.
 */
export function postgresColumnKind(nativeType: string): ColumnKind | undefined {
  const { base, args } = parseTypeName(nativeType);
  switch (base) {
    case "SMALLINT":
    case "INTEGER":
    case "INT":
    case "INT4":
    case "INT2":
      return { kind: "int" };
    case "BIGINT":
    case "INT8":
      return { kind: "bigint" };
    case "REAL":
    case "DOUBLE PRECISION":
    case "FLOAT4":
    case "FLOAT8":
      return { kind: "float" };
    case "NUMERIC":
    case "DECIMAL":
      return args.length > 0 ? { kind: "decimal", precision: args[0]!, scale: args[1] ?? 0 } : { kind: "decimal" };
    case "CHARACTER VARYING":
    case "VARCHAR":
    case "CHARACTER":
    case "CHAR":
      return args[0] ? { kind: "string", maxLength: args[0] } : { kind: "text" };
    case "TEXT":
    case "CITEXT":
      return { kind: "text" };
    case "BOOLEAN":
      return { kind: "boolean" };
    case "TIMESTAMP WITH TIME ZONE":
    case "TIMESTAMPTZ":
    case "TIMESTAMP WITHOUT TIME ZONE":
    case "TIMESTAMP":
      return { kind: "datetime" };
    case "DATE":
      return { kind: "date" };
    case "JSON":
    case "JSONB":
      return { kind: "json" };
    case "UUID":
      return { kind: "uuid" };
    case "VECTOR":
      return args[0] ? { kind: "vector", dimensions: args[0] } : undefined;
    default:
      return undefined;
  }
}

const RULE = (column: string) =>
  `CASE ${column} WHEN 'c' THEN 'cascade' WHEN 'r' THEN 'restrict' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' ELSE 'no action' END`;

export const postgresDiscovery: CatalogDiscovery = {
  relations: {
    text: `SELECT c.relname AS name, CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END AS kind, obj_description(c.oid, 'pg_class') AS comment
      ${FROM_RELATIONS} WHERE ${RELATIONS} ORDER BY c.relname`,
    params: [],
  },
  columns: {
    text: `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
        pg_get_expr(d.adbin, d.adrelid) AS default_expr, col_description(c.oid, a.attnum) AS comment,
        (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') AS auto, a.attnum AS position
      ${FROM_RELATIONS} JOIN pg_attribute a ON a.attrelid = c.oid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE ${RELATIONS} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
    params: [],
  },
  primaryKeys: {
    text: `SELECT c.relname AS table_name, a.attname AS "column", k.ord AS position
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND con.contype = 'p'`,
    params: [],
  },
  foreignKeys: {
    text: `SELECT c.relname AS table_name, con.conname AS name, a.attname AS "column", rc.relname AS ref_table, ra.attname AS ref_column, k.ord AS position,
        ${RULE("con.confdeltype")} AS on_delete, ${RULE("con.confupdtype")} AS on_update
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class rc ON rc.oid = con.confrelid
      CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum JOIN pg_attribute ra ON ra.attrelid = rc.oid AND ra.attnum = k.refnum
      WHERE n.nspname = current_schema() AND con.contype = 'f'`,
    params: [],
  },
  indexes: {
    text: `SELECT t.relname AS table_name, i.relname AS name, a.attname AS "column", k.ord AS position, ix.indisunique AS "unique"
      FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
      WHERE n.nspname = current_schema() AND NOT ix.indisprimary`,
    params: [],
  },
  checks: {
    text: `SELECT c.relname AS table_name, pg_get_constraintdef(con.oid) AS clause
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND con.contype = 'c'`,
    params: [],
  },
  enums: {
    text: `SELECT t.typname AS name, e.enumlabel AS value, e.enumsortorder AS position
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder`,
    params: [],
  },
  columnKind: postgresColumnKind,
  defaultValue: literalDefault,
};
