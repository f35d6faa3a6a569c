import type { Model, ModelField, ResolvedIndex } from "@dataflow/kernel/plugin";
import { SchemaError } from "@dataflow/kernel/plugin";
import type { CatalogQuery, Dialect } from "./dialect.js";
import type { SqlExecutor } from "./driver.js";
import { fitIdentifier, tableReference } from "./dialect.js";
import type { LiveColumn } from "./drift.js";
import { checkDrift, liveColumn, missingColumns } from "./drift.js";
import { foreignKeyConstraint, foreignKeyOf, referencesClause } from "./foreign-keys.js";

function staticDefault(field: ModelField): { value: unknown } | undefined {
  return field.default && "value" in field.default ? field.default : undefined;
}

export function columnDefinition(dialect: Dialect, field: ModelField, forExistingTable = false): string {
  const column = dialect.quote(field.name);
  if (field.primaryKey && field.autoIncrement) return dialect.autoIncrementPrimaryKey(column);
  let sql = `${column} ${dialect.columnType(field)}`;
  const def = staticDefault(field);
  const literal = def && def.value !== null ? dialect.defaultLiteral(field, def.value) : undefined;
  const isTimestamp = field.system && (field.name === "created_at" || field.name === "updated_at");
  // A NOT NULL column added to a table that already has rows needs a default for those rows.
  const nullable = field.nullable || (forExistingTable && literal === undefined && !isTimestamp);
  if (field.primaryKey) sql += " NOT NULL PRIMARY KEY";
  else if (!nullable) sql += " NOT NULL";
  if (isTimestamp) sql += ` DEFAULT ${dialect.nowExpression}`;
  else if (literal !== undefined) sql += ` DEFAULT ${literal}`;
  if (field.kind === "enum" && field.enumValues) {
    const values = field.enumValues.map((v) => dialect.defaultLiteral({ ...field, kind: "string" }, v)).join(", ");
    sql += ` CHECK (${column} IN (${values}))`;
  }
  return sql;
}

export function indexName(dialect: Dialect, index: ResolvedIndex): string {
  return fitIdentifier(index.name, dialect.maxIdentifierLength);
}

export function createTableStatement(dialect: Dialect, model: Model): string {
  const columns = model.fields.map((f) => columnDefinition(dialect, f));
  for (const f of model.fields) {
    const fk = foreignKeyOf(dialect, model, f);
    if (fk) columns.push(foreignKeyConstraint(dialect, fk));
  }
  return `CREATE TABLE IF NOT EXISTS ${tableReference(dialect, model)} (${columns.join(", ")})${dialect.createTableSuffix}`;
}

export function createIndexStatement(dialect: Dialect, model: Model, index: ResolvedIndex): string {
  const columns = index.fields.map((f) => dialect.quote(f)).join(", ");
  return `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${dialect.quote(indexName(dialect, index))} ON ${tableReference(dialect, model)} (${columns})`;
}

async function names(exec: SqlExecutor, q: CatalogQuery): Promise<Set<string>> {
  const { rows } = await exec.query(q.text, q.params);
  return new Set(rows.map((r) => String(r.name)));
}

/** The table's columns by name, with details when the dialect reports them (for drift checks). */
async function liveColumns(d: Dialect, exec: SqlExecutor, model: Model): Promise<Map<string, LiveColumn | undefined>> {
  if (!d.catalog.columnDetails) return new Map([...(await names(exec, d.catalog.columns(model.table)))].map((n) => [n, undefined] as const));
  const q = d.catalog.columnDetails(model.table);
  const { rows } = await exec.query(q.text, q.params);
  return new Map(rows.map((r) => [String(r.name), liveColumn(r)] as const));
}

/**
 * Creates missing tables and indexes and adds new columns. Never drops, renames or retypes anything.
 * `autoMigrate: false`: missing tables are created, existing ones are not altered.
 * `existingSchemaMode`: no DDL at all; missing tables or columns are a `SchemaError`.
 * Statements run on `exec`.
 */
export async function ensureTables(
  d: Dialect,
  exec: SqlExecutor,
  models: readonly Model[],
  options: { autoMigrate: boolean; existingSchemaMode: boolean },
): Promise<void> {
  for (const model of models) {
    if (Buffer.byteLength(model.table) > d.maxIdentifierLength) {
      throw new SchemaError(`Table name of ${model.name} is longer than ${d.maxIdentifierLength} bytes, the ${d.name} limit`);
    }
    for (const f of model.fields) {
      if (Buffer.byteLength(f.name) > d.maxIdentifierLength) {
        throw new SchemaError(`Field '${f.name}' of ${model.name} is longer than ${d.maxIdentifierLength} bytes, the ${d.name} limit`, { field: f.name });
      }
    }
    const existingOnly = options.existingSchemaMode || model.existing;
    const live = await liveColumns(d, exec, model);
    if (live.size === 0) {
      if (existingOnly) {
        throw new SchemaError(`Table '${model.table}' of model ${model.name} does not exist`, {
          fix: model.existing
            ? "The model is declared { existing: true }: create the table, or drop that option so DataFlow creates it"
            : "Create it, or turn existingSchemaMode off so DataFlow creates it",
        });
      }
      await exec.query(createTableStatement(d, model), []);
      for (const index of model.indexes) await exec.query(createIndexStatement(d, model, index), []);
      continue;
    }
    checkDrift(d, model, live);
    // Known by name, so that a violation names its field even where DataFlow did not create the key.
    for (const f of model.fields) foreignKeyOf(d, model, f);
    const missing = model.fields.filter((f) => !live.has(f.name));
    if (missing.length > 0) {
      if (existingOnly || !options.autoMigrate) throw missingColumns(model, missing, existingOnly);
      for (const f of missing) {
        const fk = foreignKeyOf(d, model, f);
        const inline = fk && d.catalog.addForeignKey === "column" ? ` CONSTRAINT ${d.quote(fk.name)} ${referencesClause(d, fk)}` : "";
        await exec.query(`ALTER TABLE ${tableReference(d, model)} ADD COLUMN ${columnDefinition(d, f, true)}${inline}`, []);
        if (fk && !inline) await exec.query(`ALTER TABLE ${tableReference(d, model)} ADD ${foreignKeyConstraint(d, fk)}`, []);
      }
    }
    if (existingOnly || !options.autoMigrate || model.indexes.length === 0) continue;
    const indexes = await names(exec, d.catalog.indexes(model.table));
    for (const index of model.indexes) {
      if (!indexes.has(indexName(d, index))) await exec.query(createIndexStatement(d, model, index), []);
    }
  }
}
