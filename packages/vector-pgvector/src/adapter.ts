import type { Model } from "@dataflow/kernel/plugin";
import { DataFlowError, SchemaError } from "@dataflow/kernel/plugin";
import type { Dialect, SqlExecutor } from "@dataflow/sql-core";
import type { PostgresAdapterOptions } from "@dataflow/sql-postgres";
import { PostgresAdapter } from "@dataflow/sql-postgres";
import type { VectorPluginOptions } from "@dataflow/vector-core";
import { VectorCapabilityError, declaredFullText, declaredIndexes } from "@dataflow/vector-core";
import { createFullTextIndex, createVectorIndex } from "./ddl.js";
import { pgvectorDialect } from "./dialect.js";

/**
 * Session settings of every pooled connection: HNSW scans continue past the first candidates
 * until LIMIT rows pass the filter (pgvector 0.8 iterative scans), in exact distance order.
 */
const SESSION_OPTIONS = "-c client_encoding=UTF8 -c hnsw.iterative_scan=strict_order";

/**
 * The session options, unless a PgBouncer is declared (`pgbouncer` option or `?pgbouncer=` in the
 * URL): it refuses startup options, so there the search statements set the scan mode themselves.
 */
function withSessionOptions(url: string, options: PostgresAdapterOptions): PostgresAdapterOptions {
  const mode = options.pgbouncer ?? /[?&]pgbouncer=([^&#]*)/.exec(url)?.[1];
  if (mode !== undefined && mode !== "none") return options;
  return { ...options, pg: { options: SESSION_OPTIONS, ...(options.pg ?? {}) } };
}

/** The PostgreSQL adapter with pgvector: creates the extension, vector columns, declared vector indexes. */
export class PgVectorAdapter extends PostgresAdapter {
  override readonly dialect: Dialect = pgvectorDialect;
  override readonly capabilities = {
    transactions: true,
    savepoints: true,
    returning: true,
    upsert: true,
    json: true,
    vector: true,
    streaming: false,
    hnsw: true,
    ivfflat: true,
    fullText: true,
    halfvec: true,
  };
  private extension: Promise<void> | undefined;

  constructor(
    url: string,
    options: PostgresAdapterOptions = {},
    private readonly vectorOptions: VectorPluginOptions = {},
  ) {
    super(url, withSessionOptions(url, options));
  }

  /** True when the connections carry no session options (behind PgBouncer), see `withSessionOptions`. */
  get behindPooler(): boolean {
    return this.settings.pooler.mode !== "none";
  }

  override async connect(): Promise<void> {
    await super.connect();
    this.extension ??= this.createExtension().catch((error: unknown) => {
      this.extension = undefined;
      throw error;
    });
    await this.extension;
  }

  /** `CREATE EXTENSION IF NOT EXISTS vector`, skipped when it exists (no privilege needed then). */
  private async createExtension(): Promise<void> {
    const present = await this.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'", []);
    if (present.rowCount > 0) return;
    try {
      await this.query("CREATE EXTENSION IF NOT EXISTS vector", []);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "23505") return; // another session created it at the same moment
      if (code === "0A000" || code === "58P01") {
        throw new VectorCapabilityError("The PostgreSQL server has no pgvector extension", {
          cause: error,
          fix: "Install pgvector on the database server (the 'vector' extension, 0.5 or newer; 0.8 for filtered HNSW iterative scans)",
        });
      }
      if (code === "42501") {
        throw new VectorCapabilityError("The pgvector extension is not created in this database and this user may not create it", {
          cause: error,
          fix: "Ask a database owner to run CREATE EXTENSION vector once",
        });
      }
      throw error instanceof DataFlowError ? error : this.mapError(error);
    }
  }

  override async ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void> {
    await super.ensureSchema(models, options);
    if (options.existingSchemaMode || !options.autoMigrate) return;
    for (const model of models) await this.ensureVectorIndexes(model, this);
  }

  /**
   * The declared vector and full-text indexes of `model`'s table (or of a tenant's copy of it),
   * each created unless an index of its name exists.
   */
  async ensureVectorIndexes(model: Model, exec: SqlExecutor): Promise<void> {
    try {
      for (const index of declaredIndexes(model, this.vectorOptions)) await createVectorIndex(this, exec, model, index);
      for (const field of declaredFullText(model, this.vectorOptions)) await createFullTextIndex(this, exec, model, field);
    } catch (error) {
      if (error instanceof DataFlowError) throw error;
      throw new SchemaError(`Creating the vector indexes of ${model.name} failed`, { cause: this.mapError(error, model) });
    }
  }
}
