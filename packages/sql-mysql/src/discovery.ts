import type { CatalogDiscovery, CatalogQuery, ColumnKind } from "@dataflow/sql-core";
import { literalDefault, parseTypeName } from "@dataflow/sql-core";
import type { ServerInfo } from "./server.js";

/**
 * The column type, with MariaDB's JSON (a LONGTEXT with a `json_valid` check) reported as `json`,
 * as MySQL reports its native JSON type.
 */
function columnType(server: ServerInfo, c: string): string {
  if (server.flavor !== "mariadb") return `${c}.COLUMN_TYPE`;
  return `CASE WHEN ${c}.DATA_TYPE = 'longtext' AND EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k
      WHERE k.CONSTRAINT_SCHEMA = ${c}.TABLE_SCHEMA AND k.TABLE_NAME = ${c}.TABLE_NAME AND k.CHECK_CLAUSE = CONCAT('json_valid(\`', ${c}.COLUMN_NAME, '\`)'))
    THEN 'json' ELSE ${c}.COLUMN_TYPE END`;
}

/** The default as an SQL expression: MariaDB quotes literals itself (and says NULL); MySQL reports a literal's bare text. */
function columnDefault(server: ServerInfo, c: string): string {
  if (server.flavor === "mariadb") return `NULLIF(${c}.COLUMN_DEFAULT, 'NULL')`;
  return `CASE WHEN ${c}.COLUMN_DEFAULT IS NULL OR ${c}.EXTRA LIKE '%DEFAULT_GENERATED%' THEN ${c}.COLUMN_DEFAULT ELSE QUOTE(${c}.COLUMN_DEFAULT) END`;
}

export function columnDetails(server: ServerInfo, table: string): CatalogQuery {
  return {
    text: `SELECT c.COLUMN_NAME AS name, ${columnType(server, "c")} AS type, c.IS_NULLABLE = 'YES' AS nullable,
        ${columnDefault(server, "c")} IS NOT NULL AS has_default, c.EXTRA LIKE '%auto_increment%' AS auto
      FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION`,
    params: [table],
  };
}

/**
 * COLUMN_TYPE -> field kinds. TINYINT(1) is boolean and CHAR(36) is uuid (DataFlow's own choices);
 * BLOB, BINARY, BIT, SET, spatial and time-of-day types have no kind.
 */
export function mysqlColumnKind(nativeType: string): ColumnKind | undefined {
  const enumType = /^enum\((.*)\)$/is.exec(nativeType.trim());
  if (enumType) return { kind: "enum", enumValues: [...enumType[1]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")) };
  const { base, args } = parseTypeName(nativeType);
  const unsigned = / UNSIGNED$/.test(base);
  switch (base.replace(/ UNSIGNED$| ZEROFILL$/g, "")) {
    case "TINYINT":
      return args[0] === 1 && !unsigned ? { kind: "boolean" } : { kind: "int" };
    case "BOOLEAN":
    case "BOOL":
      return { kind: "boolean" };
    case "SMALLINT":
    case "MEDIUMINT":
      return { kind: "int" };
    case "INT":
    case "INTEGER":
      return unsigned ? { kind: "bigint" } : { kind: "int" };
    case "BIGINT":
      return { kind: "bigint" };
    case "FLOAT":
    case "DOUBLE":
    case "REAL":
    case "DOUBLE PRECISION":
      return { kind: "float" };
    case "DECIMAL":
    case "NUMERIC":
      return { kind: "decimal", precision: args[0] ?? 10, scale: args[1] ?? 0 };
    case "CHAR":
      return args[0] === 36 ? { kind: "uuid" } : { kind: "string", maxLength: args[0] ?? 1 };
    case "VARCHAR":
      return { kind: "string", maxLength: args[0] ?? 255 };
    case "TINYTEXT":
    case "TEXT":
    case "MEDIUMTEXT":
    case "LONGTEXT":
      return { kind: "text" };
    case "DATETIME":
    case "TIMESTAMP":
      return { kind: "datetime" };
    case "DATE":
      return { kind: "date" };
    case "JSON":
      return { kind: "json" };
    default:
      return undefined;
  }
}

export function mysqlDiscovery(server: ServerInfo): CatalogDiscovery {
  const checks =
    server.flavor === "mariadb"
      ? `SELECT k.TABLE_NAME AS table_name, k.CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS k WHERE k.CONSTRAINT_SCHEMA = DATABASE()`
      : `SELECT t.TABLE_NAME AS table_name, k.CHECK_CLAUSE AS clause FROM information_schema.TABLE_CONSTRAINTS t
          JOIN information_schema.CHECK_CONSTRAINTS k ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME
          WHERE t.TABLE_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE = 'CHECK'`;
  return {
    relations: {
      text: `SELECT TABLE_NAME AS name, CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind,
          CASE WHEN TABLE_TYPE = 'VIEW' THEN NULL ELSE NULLIF(TABLE_COMMENT, '') END AS comment
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`,
      params: [],
    },
    columns: {
      text: `SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS name, ${columnType(server, "c")} AS type, c.IS_NULLABLE = 'YES' AS nullable,
          ${columnDefault(server, "c")} AS default_expr, NULLIF(c.COLUMN_COMMENT, '') AS comment, c.EXTRA LIKE '%auto_increment%' AS auto, c.ORDINAL_POSITION AS position
        FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
      params: [],
    },
    primaryKeys: {
      text: `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS \`column\`, ORDINAL_POSITION AS position FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY'`,
      params: [],
    },
    foreignKeys: {
      text: `SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS \`column\`, k.REFERENCED_TABLE_NAME AS ref_table,
          k.REFERENCED_COLUMN_NAME AS ref_column, k.ORDINAL_POSITION AS position, LOWER(r.DELETE_RULE) AS on_delete, LOWER(r.UPDATE_RULE) AS on_update
        FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
          ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL`,
      params: [],
    },
    indexes: {
      text: `SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, COLUMN_NAME AS \`column\`, SEQ_IN_INDEX AS position, NON_UNIQUE = 0 AS \`unique\`
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY'`,
      params: [],
    },
    checks: { text: checks, params: [] },
    columnKind: mysqlColumnKind,
    defaultValue: literalDefault,
  };
}
