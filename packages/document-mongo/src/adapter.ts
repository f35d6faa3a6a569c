import type {
  AdapterStats,
  BaseAdapter,
  HealthStatus,
  ListOperation,
  Logger,
  Model,
  NodeContext,
  RowData,
  StreamRequest,
  TransactionOptions,
} from "@dataflow/kernel/plugin";
import { AbortError, ClosedError, channels, describeError, maskUrl, silentLogger } from "@dataflow/kernel/plugin";
import { MongoPoolStats } from "./pool-stats.js";
import type { ClientSession, Collection, Db, Document } from "mongodb";
import { MongoClient } from "mongodb";
import type { MongoCapabilities, ServerFacts } from "./capabilities.js";
import { capabilitiesOf, missingReason, UNPROBED_CAPABILITIES } from "./capabilities.js";
import type { MongoAdapterOptions, MongoSettings } from "./config.js";
import { resolveSettings } from "./config.js";
import { mapMongoError } from "./errors.js";
import { checkCollectionName } from "./names.js";
import { DocumentLayout } from "./models/layout.js";
import { ensureCollections } from "./models/schema.js";
import { streamRows } from "./models/stream.js";
import type { ModelTarget } from "./models/target.js";
import { SessionTransactions } from "./transactions.js";

/** A MongoDB connection pool (one `MongoClient`) on one database, with the deployment's capabilities. */
export class MongoAdapter implements BaseAdapter, ModelTarget {
  readonly adapterType = "document" as const;
  readonly databaseType = "mongodb";
  // Private fields: util.inspect and error reporters never see the URL's credentials or the client holding them.
  readonly #settings: MongoSettings;
  private readonly logger: Logger;
  #client: MongoClient | undefined;
  #connecting: Promise<Db> | undefined;
  private closed = false;
  private caps: MongoCapabilities = UNPROBED_CAPABILITIES;
  private facts: ServerFacts | undefined;
  #layout: DocumentLayout | undefined;
  #openCursors = 0;
  readonly #sessions = new SessionTransactions({
    client: async () => {
      await this.database();
      return this.#client!;
    },
    unavailable: () => this.missing("transactions"),
  });
  private readonly counters = new MongoPoolStats();
  private lastWaitWarning = -Infinity;

  constructor(url: string, options: MongoAdapterOptions = {}) {
    this.#settings = resolveSettings(url, options);
    this.logger = options.logger ?? silentLogger;
  }

  /** Probed on connect; before that, what any MongoDB offers with transactions off. */
  get capabilities(): MongoCapabilities {
    return this.caps;
  }

  /** The server's version and identity, known after `connect()`. */
  get serverFacts(): ServerFacts | undefined {
    return this.facts;
  }

  get databaseName(): string {
    return this.#settings.databaseName;
  }

  /** `maxTimeMS` of every read; 0 = none. */
  get statementTimeoutMs(): number {
    return this.#settings.statementTimeoutMs;
  }

  /** The server URL with its password masked. */
  get url(): string {
    return maskUrl(this.#settings.url);
  }

  /** Why a capability is missing here (undefined when present), e.g. for a skip or an error message. */
  missing(name: keyof MongoCapabilities & string): string | undefined {
    return missingReason(this.capabilities, name);
  }

  async connect(): Promise<void> {
    await this.database();
  }

  /** The database handle, connecting (and probing the server) on first use. */
  database(): Promise<Db> {
    if (this.closed) return Promise.reject(new ClosedError("The MongoDB adapter is closed", { fix: "Create a new DataFlow instance" }));
    this.#connecting ??= this.open().catch((error: unknown) => {
      this.#connecting = undefined;
      const client = this.#client;
      this.#client = undefined;
      void client?.close().catch(() => {});
      throw mapMongoError(error, { operation: "connect" });
    });
    return this.#connecting;
  }

  private async open(): Promise<Db> {
    const client = new MongoClient(this.#settings.url, this.#settings.clientOptions);
    this.#client = client;
    this.counters.watch(client, () => this.poolExhausted());
    await client.connect();
    const admin = client.db("admin");
    const [build, hello] = await Promise.all([admin.command({ buildInfo: 1 }), admin.command({ hello: 1 })]);
    this.facts = Object.freeze({
      version: String(build.version ?? ""),
      gitVersion: String(build.gitVersion ?? ""),
      ...(typeof hello.setName === "string" ? { setName: hello.setName } : {}),
      ...(typeof hello.msg === "string" ? { msg: hello.msg } : {}),
    });
    this.caps = capabilitiesOf(this.facts);
    this.logger.debug({ server: this.url, version: this.facts.version, emulator: this.caps.emulator }, "mongodb connected");
    return client.db(this.#settings.databaseName);
  }

  async collection(name: string): Promise<Collection<Document>> {
    return (await this.database()).collection(checkCollectionName(name));
  }

  /**
   * Runs one driver call on a collection: refuses to start when the signal has fired, traces it on
   * `dataflow:query`, and maps driver errors to DataFlow's classes.
   */
  async run<T>(operation: string, collection: string, signal: AbortSignal | undefined, fn: (c: Collection<Document>) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new AbortError(`MongoDB ${operation} on '${collection}' was aborted before it started`, { cause: signal.reason });
    const c = await this.collection(collection);
    this.counters.commands++;
    const call = async () => {
      try {
        return await fn(c);
      } catch (error) {
        const mapped = signal?.aborted
          ? new AbortError(`MongoDB ${operation} on '${collection}' was aborted`, { cause: error })
          : mapMongoError(error, { operation, collection });
        this.counters.recordError(mapped);
        throw mapped;
      }
    };
    if (!channels.query.hasSubscribers) return call();
    return channels.query.tracePromise(call, { system: "mongodb", operation, text: `${operation} ${collection}` });
  }

  async healthCheck(): Promise<HealthStatus> {
    const started = performance.now();
    try {
      await (await this.database()).command({ ping: 1 });
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      const mapped = mapMongoError(error, { operation: "ping" });
      this.counters.recordError(mapped);
      this.logger.warn({ system: "mongodb", error: describeError(mapped) }, "health check failed");
      return { ok: false, latencyMs: performance.now() - started, error: mapped.message };
    }
  }

  /** Pool figures from the driver's monitoring events, commands sent, failures by error class. */
  stats(): AdapterStats {
    return this.counters.snapshot();
  }

  /** Logged at most every 10 s: a command waits because every pooled connection is in use. */
  private poolExhausted(): void {
    const now = performance.now();
    if (now - this.lastWaitWarning < 10_000 || this.logger === silentLogger) return;
    this.lastWaitWarning = now;
    this.logger.warn({ system: "mongodb", ...this.counters.snapshot().connections }, "connection pool exhausted: a caller waits for a free connection");
  }

  /** Where model fields live in documents; known after `connect()` (it depends on `customIds`). */
  get layout(): DocumentLayout {
    this.#layout ??= new DocumentLayout(this.caps.customIds);
    return this.#layout;
  }

  async ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void> {
    if (models.length === 0) return;
    const db = await this.database();
    try {
      await ensureCollections(db, this.layout, models, options);
    } catch (error) {
      throw mapMongoError(error, { operation: "ensureSchema", collection: models[0]!.table });
    }
  }

  /**
   * The session an operation of node `ctx` joins: its run's transaction (`@dataflow/transactions`),
   * else the ambient `db.transaction()`, else none. A run with `transaction: true` and no
   * transaction open is a TransactionError (fail closed).
   */
  session(ctx?: NodeContext): ClientSession | undefined {
    return this.#sessions.sessionFor(ctx);
  }

  /** How `@dataflow/transactions` holds a transaction for a workflow run: a session, bound to the run (no savepoints). */
  get runTransactions(): SessionTransactions {
    return this.#sessions;
  }

  /**
   * One multi-document transaction on a driver session (replica sets and sharded clusters). A nested
   * call joins it: MongoDB has no savepoints, so a failing nested section rolls the whole transaction
   * back and every later operation in it fails with a TransactionError.
   */
  transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#sessions.run(fn, options);
  }

  /** Server cursors opened by `db.stream` and not closed yet. */
  get openCursors(): number {
    return this.#openCursors;
  }

  countCursor(delta: 1 | -1): void {
    this.#openCursors += delta;
  }

  /** List's rows from a server cursor as the consumer pulls (`db.stream`). */
  stream(op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData> {
    return streamRows(this, op, ctx, request);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.#client;
    this.#client = undefined;
    await this.#connecting?.catch(() => {});
    await client?.close();
  }
}
