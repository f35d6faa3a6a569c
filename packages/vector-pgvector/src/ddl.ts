import type { Model, ModelField } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import { fitIdentifier, tableReference } from "@dataflow/sql-core";
import { quoteLiteral } from "@dataflow/sql-postgres";
import type { ResolvedVectorIndex } from "@dataflow/vector-core";
import { OPERATOR_CLASS, vectorType } from "./dialect.js";

/** The full-text configuration the text index and the default HybridSearch use. */
export const DEFAULT_TEXT_CONFIG = "simple";

async function indexExists(exec: SqlExecutor, model: Model, name: string): Promise<boolean> {
  const { rows } = await exec.query("SELECT 1 FROM pg_indexes WHERE schemaname = coalesce($2::text, current_schema()) AND tablename = $3 AND indexname = $1", [
    name,
    model.schema ?? null,
    model.table,
  ]);
  return rows.length > 0;
}

/** `CREATE INDEX ... USING hnsw|ivfflat (col vector_<distance>_ops) WITH (...)`, unless an index of that name exists. */
export async function createVectorIndex(
  adapter: DatabaseAdapter,
  exec: SqlExecutor,
  model: Model,
  index: ResolvedVectorIndex,
): Promise<{ name: string; created: boolean }> {
  const d = adapter.dialect;
  const name = fitIdentifier(index.name, d.maxIdentifierLength);
  if (await indexExists(exec, model, name)) return { name, created: false };
  const with_: string[] = [];
  if (index.m !== undefined) with_.push(`m = ${index.m}`);
  if (index.efConstruction !== undefined) with_.push(`ef_construction = ${index.efConstruction}`);
  if (index.lists !== undefined) with_.push(`lists = ${index.lists}`);
  const opclass = `${vectorType(index.field)}_${OPERATOR_CLASS[index.distance]}`;
  await exec.query(
    `CREATE INDEX IF NOT EXISTS ${d.quote(name)} ON ${tableReference(d, model)} USING ${index.method} (${d.quote(index.field.name)} ${opclass})` +
      (with_.length ? ` WITH (${with_.join(", ")})` : ""),
    [],
  );
  return { name, created: true };
}

export function tsvector(adapter: DatabaseAdapter, field: ModelField, config: string): string {
  return `to_tsvector(${quoteLiteral(config)}::regconfig, coalesce(${adapter.dialect.quote(field.name)}, ''))`;
}

/** A GIN index on the field's tsvector in the default configuration (what HybridSearch matches without `language`). */
export async function createFullTextIndex(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, field: ModelField): Promise<void> {
  const d = adapter.dialect;
  const name = fitIdentifier(`${model.table}_${field.name}_fts`, d.maxIdentifierLength);
  if (await indexExists(exec, model, name)) return;
  await exec.query(
    `CREATE INDEX IF NOT EXISTS ${d.quote(name)} ON ${tableReference(d, model)} USING gin (${tsvector(adapter, field, DEFAULT_TEXT_CONFIG)})`,
    [],
  );
}
