import type { Model, ModelField } from "@dataflow/kernel/plugin";
import { DataFlowError, SchemaError } from "@dataflow/kernel/plugin";
import type { SqliteAdapterOptions } from "@dataflow/sql-sqlite";
import { SqliteAdapter } from "@dataflow/sql-sqlite";
import type { VectorPluginOptions } from "@dataflow/vector-core";
import { declaredFullText } from "@dataflow/vector-core";
import * as sqliteVec from "sqlite-vec";
import { sqliteVecDialect, encodeVector } from "./dialect.js";
import { createFullTextIndex } from "./fts.js";

const loaded = new WeakSet<object>();

/** The SQLite adapter with the sqlite-vec extension loaded, float32 BLOB vectors, and FTS5 indexes for declared full-text fields. */
export class SqliteVecAdapter extends SqliteAdapter {
  override readonly dialect = sqliteVecDialect;
  override readonly capabilities = {
    transactions: true,
    savepoints: true,
    returning: true,
    upsert: true,
    json: true,
    vector: true,
    streaming: false,
    hnsw: false,
    ivfflat: false,
    fullText: false,
    halfvec: false,
  };

  constructor(
    url: string,
    options: SqliteAdapterOptions = {},
    private readonly vectorOptions: VectorPluginOptions = {},
  ) {
    super(url, options);
  }

  protected override encoderFor(field: ModelField): ((value: unknown) => unknown) | undefined {
    return field.kind === "vector" ? encodeVector : super.encoderFor(field);
  }

  override async connect(): Promise<void> {
    await super.connect();
    this.loadExtension();
  }

  /** Loads sqlite-vec into the current connection once. */
  loadExtension(): void {
    const db = this.handle;
    if (loaded.has(db)) return;
    sqliteVec.load(db);
    loaded.add(db);
    this.capabilities.fullText = hasFts5(db);
  }

  override async ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void> {
    this.loadExtension();
    await super.ensureSchema(models, options);
    if (options.existingSchemaMode || !options.autoMigrate) return;
    for (const model of models) {
      const fields = declaredFullText(model, this.vectorOptions);
      if (fields.length === 0) continue;
      try {
        await this.transaction(async (tx) => {
          for (const field of fields) await createFullTextIndex(this, tx, model, field);
        });
      } catch (error) {
        if (error instanceof DataFlowError) throw error;
        throw new SchemaError(`Creating the full-text index of ${model.name} failed`, { cause: this.mapError(error, model) });
      }
    }
  }
}

function hasFts5(db: { prepare(sql: string): { get(): unknown } }): boolean {
  return (db.prepare("SELECT sqlite_compileoption_used('ENABLE_FTS5') AS on_").get() as { on_: number }).on_ === 1;
}
