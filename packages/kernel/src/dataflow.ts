import { AsyncLocalStorage } from "node:async_hooks";
import { ClosedError, DataFlowError, PluginError, SchemaError, TransactionError, ValidationError } from "./errors.js";
import type { FieldsShape } from "./field.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { maskUrl } from "./mask.js";
import { readDataFlowOptions } from "./options.js";
import type { ModelOptions } from "./model.js";
import { MODEL_OPERATIONS, Model } from "./model.js";
import type { ExecuteOptions, NodeContext, NodeDefinition } from "./node.js";
import type { ModelOperation } from "./operations.js";
import type { RawSqlRunner, SqlTag } from "./raw-sql.js";
import { sqlTag } from "./raw-sql.js";
import type {
  AdapterStats,
  AdapterOptions,
  BaseAdapter,
  DataFlowHandle,
  HealthStatus,
  Middleware,
  RawSqlMiddleware,
  RawSqlQuery,
  Plugin,
  PluginContext,
  PoolOptions,
  TransactionOptions,
} from "./plugin.js";
import { checkTransactionOptions } from "./plugin.js";
import type { NodeOwner } from "./registry.js";
import { NodeRegistry, liveNodeOwners, trackOwner, untrackOwner } from "./registry.js";
import type { ExecuteResult } from "./runtime.js";
import { LocalRuntime, describeError } from "./runtime.js";
import type { Workflow, WorkflowBuilder } from "./workflow.js";
import { loadFirstPartyPlugin, schemeOf } from "./scheme.js";
import type { StreamOptions, StreamParams, StreamRow } from "./stream.js";
import { openStream } from "./stream.js";
import type { DiscoveredSchema, SchemaDiscovery } from "./discovered.js";
import { fieldsOfPlan, modelOptionsOfPlan, planModels } from "./schema-plan.js";
import { ownProperties } from "./own.js";
import type { NamedWorkflow, RegisterWorkflowOptions } from "./workflows.js";
import { Workflows, describeRegisteredWorkflow, modelWorkflows } from "./workflows.js";

export interface RegisterSchemaOptions {
  /** Only these tables and views (default: all). */
  readonly tables?: readonly string[];
  /** A schema discovered before (default: `db.discoverSchema()` now). */
  readonly schema?: DiscoveredSchema;
}

export interface DataFlowOptions<NS extends string | undefined = string | undefined> {
  /** Database URL. Default: `DATABASE_URL`, else an embedded in-memory SQLite database. */
  url?: string;
  plugins?: readonly Plugin[];
  /** Create tables and add new columns automatically (default true). Nothing is ever dropped or retyped. */
  autoMigrate?: boolean;
  /** Use existing tables as they are: no DDL at all (default false). */
  existingSchemaMode?: boolean;
  pool?: PoolOptions;
  /** Structured logs (pino-compatible): runs, failures, slow statements, schema work, pool waits. Values are never logged. */
  logger?: Logger;
  /** With a logger: statements slower than this many ms are logged at warn (SQL text and parameter count, never values). */
  slowQueryMs?: number;
  /** Prefix for node types (`analytics.User_Create`), so two instances can declare the same model name. */
  namespace?: NS;
  /** Extra options passed to the adapter. */
  adapter?: Record<string, unknown>;
}

/** `analytics.User` for a DataFlow with a literal namespace, else the model name. */
export type QualifiedName<NS extends string | undefined, N extends string> = string extends NS ? N : NS extends string ? `${NS}.${N}` : N;

export const EMBEDDED_DEFAULT_URL = "sqlite::memory:";

function tableKey(model: Model): string {
  return `${(model.schema ?? "").toLowerCase()}.${model.table.toLowerCase()}`;
}

function tableCollision(model: Model, other: Model, where: string): ValidationError {
  return new ValidationError(
    `Model '${model.name}' maps to table '${model.table}', which model '${other.name}' (table '${other.table}') already uses ${where}; table names compare case-insensitively`,
    { field: "table", fix: `Rename one of the models or give it its own table: db.model('${model.name}', fields, { table: "..." })` },
  );
}

type ModelRunner = (op: ModelOperation, ctx: NodeContext, execute: (op: ModelOperation) => Promise<unknown>) => Promise<unknown>;

function compose(middleware: readonly Middleware[], plugin: () => PluginContext): ModelRunner | undefined {
  if (middleware.length === 0) return undefined;
  return (op, ctx, execute) => {
    const step = (i: number, current: ModelOperation): Promise<unknown> =>
      i === middleware.length ? execute(current) : middleware[i]!(current, ctx, (next) => step(i + 1, next), plugin());
    return step(0, op);
  };
}

function composeRawSql(middleware: readonly RawSqlMiddleware[], plugin: () => PluginContext): RawSqlRunner | undefined {
  if (middleware.length === 0) return undefined;
  return (query, ctx, execute) => {
    const step = (i: number, current: RawSqlQuery): Promise<Record<string, unknown>[]> =>
      i === middleware.length ? execute(current) : middleware[i]!(current, ctx, (next) => step(i + 1, next), plugin());
    return step(0, query);
  };
}

/** What `db.transaction(fn)` hands to `fn`. */
export interface DataFlowTransaction {
  readonly dataflow: DataFlow;
  readonly options: TransactionOptions;
  /**
   * Runs a workflow inside the transaction, as a savepoint: a failing run leaves none of its writes
   * and rejects, and the transaction stays usable. Its nodes run one at a time (they share the
   * connection); node types resolve against this DataFlow (and process-wide custom nodes).
   */
  execute<R extends object = Record<string, any>>(workflow: Workflow<R>, options?: ExecuteOptions): Promise<ExecuteResult<R>>;
  /** Runs `fn` in a savepoint: if it rejects, its writes are undone and the transaction goes on. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** The `db.transaction()` calls the current async context is inside; `true` once inside one of its sections. */
const openTransactions = new AsyncLocalStorage<ReadonlyMap<Transaction, boolean>>();

/**
 * A `db.transaction()` in progress. Its sections (`execute`, `savepoint`) share one connection, so
 * they run one after another, whatever the caller awaits; a section started inside another runs
 * at once (nested savepoint).
 */
class Transaction implements DataFlowTransaction {
  private tail: Promise<unknown> = Promise.resolve();
  private closing = false;

  constructor(
    readonly dataflow: DataFlow,
    readonly options: TransactionOptions,
    private readonly runtime: () => LocalRuntime,
  ) {}

  execute<R extends object = Record<string, any>>(workflow: Workflow<R>, options?: ExecuteOptions): Promise<ExecuteResult<R>> {
    return this.savepoint(() => this.runtime().execute<R>(workflow, options));
  }

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const store = openTransactions.getStore();
    try {
      this.assertUsable(store);
    } catch (error) {
      return Promise.reject(error);
    }
    const inSavepoint = () => this.dataflow.adapter.transaction!(fn);
    if (store!.get(this) === true) return inSavepoint();
    const section = this.tail.then(() => {
      this.assertUsable(store);
      return openTransactions.run(new Map(store).set(this, true), inSavepoint);
    });
    this.tail = section.catch(() => undefined);
    return section;
  }

  /** Runs the callback with this transaction bound to the async context, then waits for its sections. */
  async enter<T>(fn: (tx: DataFlowTransaction) => Promise<T>): Promise<T> {
    try {
      return await openTransactions.run(new Map(openTransactions.getStore()).set(this, false), () => fn(this));
    } finally {
      this.closing = true;
      await this.tail;
    }
  }

  private assertUsable(store: ReadonlyMap<Transaction, boolean> | undefined): void {
    if (this.closing) {
      throw new TransactionError("This transaction has ended", { fix: "Await tx.execute()/tx.savepoint() inside the db.transaction() callback" });
    }
    if (!store?.has(this)) {
      throw new TransactionError("tx.execute()/tx.savepoint() was called outside the db.transaction() callback");
    }
  }
}

/**
 * One database, its models and their generated nodes.
 * Construction does no I/O; the connection and schema work happen on first use or `initialize()`.
 */
export class DataFlow<NS extends string | undefined = string | undefined> implements DataFlowHandle, NodeOwner {
  /** The namespace as a literal type, for the node type names of `model()`'s typed references. */
  declare readonly __namespace: NS;
  readonly url: string;
  readonly scheme: string;
  readonly namespace: string | undefined;
  readonly adapter: BaseAdapter;
  readonly plugins: readonly Plugin[];
  readonly registry = new NodeRegistry();
  readonly logger: Logger;
  private readonly modelsByName = new Map<string, Model>();
  private readonly ready = new Set<Model>();
  private readonly pending = new Map<Model, Promise<void>>();
  private readonly runner: ModelRunner | undefined;
  private readonly registeredWorkflows = new Map<string, NamedWorkflow>();
  private readonly autoMigrate: boolean;
  private readonly existingSchemaMode: boolean;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private transactionRuntime: LocalRuntime | undefined;
  readonly context: PluginContext;

  constructor(urlOrOptions: string | DataFlowOptions<NS> = {}) {
    const options = readDataFlowOptions(urlOrOptions);
    const envUrl = Object.hasOwn(process.env, "DATABASE_URL") ? process.env.DATABASE_URL : undefined;
    const rawUrl = options.url ?? (envUrl || undefined) ?? EMBEDDED_DEFAULT_URL;
    this.url = maskUrl(rawUrl);
    this.scheme = schemeOf(rawUrl);
    this.namespace = options.namespace;
    this.logger = options.logger ?? silentLogger;
    this.autoMigrate = options.autoMigrate ?? true;
    this.existingSchemaMode = options.existingSchemaMode ?? false;

    const plugins = [...options.plugins];
    let factory = plugins.flatMap((p) => p.adapters ?? []).find((a) => a.schemes.includes(this.scheme));
    if (!factory) {
      const firstParty = loadFirstPartyPlugin(this.scheme);
      plugins.unshift(firstParty);
      factory = firstParty.adapters?.find((a) => a.schemes.includes(this.scheme));
      if (!factory) throw new PluginError(`${firstParty.name} does not provide an adapter for '${this.scheme}:'`);
    }
    this.plugins = Object.freeze(plugins);
    // A null-prototype object: adapters reading an option they were not given get undefined, never an inherited value.
    const adapterOptions = Object.assign(Object.create(null) as Record<string, unknown>, options.adapter, { logger: this.logger });
    if (options.pool) adapterOptions.pool = options.pool;
    if (options.slowQueryMs !== undefined) adapterOptions.slowQueryMs = options.slowQueryMs;
    this.adapter = factory.create(rawUrl, adapterOptions as AdapterOptions);
    this.runner = compose(
      plugins.flatMap((p) => p.middleware ?? []),
      () => this.context,
    );
    this.context = { adapter: this.adapter, dataflow: this };

    for (const plugin of plugins) for (const def of plugin.nodes?.(this.context) ?? []) this.registry.register(def);
    trackOwner(this);
  }

  get models(): ReadonlyMap<string, Model> {
    return this.modelsByName;
  }

  /** Declares a model and generates its nodes. Synchronous; touches no database. */
  model<const N extends string, F extends FieldsShape, const O extends ModelOptions = {}, S extends string | undefined = NS>(
    this: DataFlow<S>,
    name: N,
    fields: F,
    options?: O,
  ): Model<F, O, QualifiedName<S, N>> {
    this.assertOpen();
    if (this.modelsByName.has(name)) {
      throw new ValidationError(`Model '${name}' is already declared on this DataFlow instance`);
    }
    for (const other of liveNodeOwners()) {
      if (other !== this && other.namespace === this.namespace && (other as { models?: ReadonlyMap<string, Model> }).models?.has(name)) {
        throw new ValidationError(`Model '${name}' is already declared by another live DataFlow instance`, {
          fix: "Give one of the instances a namespace (new DataFlow({ namespace: 'analytics' })), or close() the other one",
        });
      }
    }
    const model = new Model<F, O, QualifiedName<S, N>>(name, fields, options ?? ({} as O), this.namespace);
    this.assertOwnTable(model);
    for (const plugin of this.plugins) plugin.onModel?.(model, this.context);
    if (model.tenant && model.scopeField === undefined) {
      throw new PluginError(`Model '${name}' is declared { tenant: true } but no tenancy plugin enforces it`, {
        fix: 'Add a tenancy plugin, e.g. plugins: [tenancy({ strategy: "row" })] from @dataflow/tenancy',
      });
    }
    const generated: NodeDefinition[] = [];
    for (const plugin of this.plugins) generated.push(...(plugin.modelNodes?.(model, this.context) ?? []));
    for (const def of generated) this.registry.register(def);
    this.modelsByName.set(name, model);
    return model;
  }

  /**
   * Two models must never share a table: table names compare case-insensitively (after the
   * name-to-table mapping or an explicit `{ table }`), within this instance and across live
   * instances on the same database (the same model name there is a deliberate share).
   */
  private assertOwnTable(model: Model): void {
    const key = tableKey(model);
    const folded = model.name.toLowerCase();
    for (const other of this.modelsByName.values()) {
      if (other.name.toLowerCase() === folded) {
        throw new ValidationError(`Model '${model.name}' differs from model '${other.name}' only by case`, {
          field: "name",
          fix: "Model names (and their node types and tables) must differ by more than case; rename one of them",
        });
      }
      if (tableKey(other) === key) throw tableCollision(model, other, "on this DataFlow instance");
    }
    if (this.url.includes(":memory:")) return;
    for (const owner of liveNodeOwners()) {
      const db = owner as { url?: unknown; models?: ReadonlyMap<string, Model> };
      if (owner === this || db.url !== this.url || !db.models) continue;
      for (const other of db.models.values()) {
        if (other.name !== model.name && tableKey(other) === key) throw tableCollision(model, other, "by another live DataFlow instance on the same database");
      }
    }
  }

  /** Registers a custom node on this instance. */
  registerNode(def: NodeDefinition): void {
    this.registry.register(def);
  }

  /**
   * Every workflow this instance can serve, by name: one per model operation (`User_Create`, ...,
   * its inputs the node's params), then the ones given to `registerWorkflow()`. Each carries JSON
   * Schemas of its inputs and outputs. A snapshot: models declared later need another call.
   */
  getWorkflows(): Workflows {
    this.assertOpen();
    return new Workflows(this, [...modelWorkflows(this), ...this.registeredWorkflows.values()]);
  }

  /**
   * Names a workflow so servers can expose it. Each input sets one or more node params
   * (`{ inputs: { email: "create.data.email" } }`); nothing is passed to a node that no input names.
   * Given the builder instead of a built workflow, the params the inputs set may be left out of it.
   */
  registerWorkflow(name: string, workflow: Workflow | WorkflowBuilder<any, any, any>, options: RegisterWorkflowOptions = {}): NamedWorkflow {
    this.assertOpen();
    const taken = this.registeredWorkflows.has(name) || [...this.modelsByName.values()].some((m) => MODEL_OPERATIONS.some((op) => m.nodeType(op) === name));
    if (taken) {
      throw new ValidationError(`A workflow named '${name}' already exists on this DataFlow instance`, { field: "name", fix: "Choose another name" });
    }
    const described = describeRegisteredWorkflow(this, name, workflow, options);
    this.registeredWorkflows.set(name, described);
    return described;
  }

  /** The node types generated for a model, e.g. `["User_Create", ...]`. */
  nodeTypes(model: Model): string[] {
    return MODEL_OPERATIONS.map((op) => model.nodeType(op));
  }

  /** Connects and creates/migrates the schema of every declared model now instead of on first use. */
  async initialize(): Promise<void> {
    this.assertOpen();
    await this.connect();
    for (const model of this.modelsByName.values()) {
      if (!this.ready.has(model)) this.pending.delete(model);
    }
    await Promise.all([...this.modelsByName.values()].map((m) => this.ensureModel(m)));
  }

  private connect(): Promise<void> {
    this.connecting ??= this.adapter.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** True once the model's table is known to exist. */
  isReady(model: Model): boolean {
    return this.ready.has(model);
  }

  /**
   * Deferred schema work for one model. A failure is remembered and re-raised (no retry storm on
   * every access); `initialize()` tries again.
   */
  ensureModel(model: Model): Promise<void> {
    return this.ensureModelAfter(model, []);
  }

  /** `ensureModel`, after the models `model` references (their tables must exist first); `chain` breaks reference cycles. */
  private ensureModelAfter(model: Model, chain: readonly Model[]): Promise<void> {
    if (this.ready.has(model)) return Promise.resolve();
    this.assertOpen();
    let p = this.pending.get(model);
    if (!p) {
      model.seal();
      const referenced = this.referencedModels(model).filter((m) => m !== model && !chain.includes(m));
      // A separate schema connection connects by itself; connect() would wait for the pool, which
      // the caller's transaction (and others) may hold entirely.
      const connected = this.adapter.separateSchemaConnection === true ? Promise.resolve() : this.connect();
      p = connected
        .then(() => Promise.all(referenced.map((m) => this.ensureModelAfter(m, [...chain, model]))))
        .then(() => this.adapter.ensureSchema([model], { autoMigrate: this.autoMigrate, existingSchemaMode: this.existingSchemaMode }))
        .then(() => {
          this.ready.add(model);
          this.logger.debug({ model: model.name, table: model.table }, "schema ready");
        })
        .catch((error: unknown) => {
          const failure = error instanceof DataFlowError ? error : new SchemaError(`Preparing the table of ${model.name} failed`, { cause: error });
          this.logger.error({ model: model.name, table: model.table, error: describeError(failure) }, "schema work failed");
          throw failure;
        });
      this.pending.set(model, p);
    }
    return p;
  }

  /** The declared models of this instance whose tables `model`'s foreign keys point at. */
  private referencedModels(model: Model): Model[] {
    const out: Model[] = [];
    for (const f of model.fields) {
      if (!f.references) continue;
      let target: unknown;
      try {
        target = f.references.target();
      } catch {
        continue; // reported by the adapter's DDL, which resolves the reference again
      }
      const found = [...this.modelsByName.values()].find((m) => m === target || (target instanceof Model && tableKey(m) === tableKey(target)));
      if (found && !out.includes(found)) out.push(found);
    }
    return out;
  }

  /**
   * The live database's tables, views, columns (with their DataFlow field kinds), keys, indexes,
   * enums, defaults and comments. Reads the catalog only; runs no DDL.
   */
  async discoverSchema(): Promise<DiscoveredSchema> {
    this.assertOpen();
    const discover = (this.adapter as Partial<SchemaDiscovery>).discoverSchema;
    if (typeof discover !== "function") {
      throw new PluginError(`The ${this.adapter.databaseType} adapter cannot discover a database schema`, {
        fix: "Use a SQL adapter (SQLite, PostgreSQL, MySQL)",
      });
    }
    await this.connect();
    return discover.call(this.adapter);
  }

  /**
   * Declares a model for every table and view of the live database (or those named in `tables`),
   * keeping their table and column names. The models run no DDL (`{ existing: true }`): their
   * tables are only checked against them; views are read-only. Returns the models by name.
   * A column without a DataFlow kind, or a table DataFlow cannot address (see the README), is an error naming it.
   */
  async registerSchemaAsModels(options: RegisterSchemaOptions = {}): Promise<Record<string, Model>> {
    const given = ownProperties(options ?? {}) as RegisterSchemaOptions;
    const schema = given.schema ?? (await this.discoverSchema());
    const plans = planModels(schema, given.tables === undefined ? {} : { tables: given.tables });
    const byTable = new Map<string, Model>();
    const out: Record<string, Model> = {};
    for (const plan of plans) {
      const model = this.model(
        plan.name,
        fieldsOfPlan(plan, (table) => byTable.get(table)),
        modelOptionsOfPlan(plan),
      );
      byTable.set(plan.table, model);
      out[plan.name] = model;
    }
    return out;
  }

  /**
   * What a transaction about to open needs prepared. Nothing when the adapter prepares models on a
   * separate schema connection (first use inside the transaction cannot deadlock there); otherwise
   * every declared model, each failure kept for the operations that use that model.
   */
  private async prepareBeforeTransaction(): Promise<void> {
    if (this.adapter.separateSchemaConnection === true) return;
    await Promise.allSettled([...this.modelsByName.values()].map((m) => this.ensureModel(m)));
  }

  get hasMiddleware(): boolean {
    return this.runner !== undefined;
  }

  runOperation<R>(op: ModelOperation, ctx: NodeContext, execute: (op: ModelOperation) => Promise<R>): Promise<R> {
    if (!this.runner) return execute(op);
    return this.runner(op, ctx, execute as (op: ModelOperation) => Promise<unknown>) as Promise<R>;
  }

  /**
   * Runs `fn` in one database transaction: committed when `fn` resolves, rolled back when it rejects.
   * Everything this DataFlow runs in `fn`'s async context joins it (workflows included); called inside
   * another `db.transaction()`, it is a savepoint of that one. DDL never runs inside it: on an
   * adapter with a separate schema connection each model is prepared on first use, there; on
   * others every declared model is prepared before the transaction opens, and a model that cannot
   * be prepared fails only the operations that use it.
   */
  async transaction<T>(fn: (tx: DataFlowTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.assertOpen();
    if (typeof fn !== "function") throw new ValidationError("db.transaction() takes a function", { field: "fn" });
    options = checkTransactionOptions(options);
    const adapter = this.adapter;
    const unsupported = () => new TransactionError(`The ${adapter.databaseType} adapter does not support transactions`);
    if (typeof adapter.transaction !== "function") throw unsupported();
    const outer = [...(openTransactions.getStore()?.keys() ?? [])].reverse().find((tx) => tx.dataflow === this);
    if (outer) {
      const nested = (key: string) => new ValidationError(`A nested db.transaction() is a savepoint and cannot change ${key}`, { field: key });
      if (options.isolationLevel !== undefined && options.isolationLevel !== outer.options.isolationLevel) throw nested("isolationLevel");
      if (options.readOnly !== undefined && options.readOnly !== (outer.options.readOnly ?? false)) throw nested("readOnly");
    } else {
      // Connected first: an adapter may know whether the deployment has transactions only once connected (MongoDB).
      await this.connect();
      if (!adapter.capabilities.transactions) throw unsupported();
      await this.prepareBeforeTransaction();
    }
    const tx = new Transaction(
      this,
      outer?.options ?? options,
      () => (this.transactionRuntime ??= new LocalRuntime({ dataflow: this, maxConcurrency: 1, logger: this.logger })),
    );
    return adapter.transaction(() => tx.enter(fn), options);
  }

  /**
   * Every row of `model` matching `params` (List's filter, orderBy, select, includeDeleted), as an
   * async iterable read in batches as you pull, in constant memory. Tenancy and soft delete apply
   * as for List; inside `db.transaction()` it reads on the transaction's connection. A stream holds
   * a connection from its first `next()` until it ends, you `break`, or `options.signal` aborts.
   */
  stream<M extends Model<any, any, any>, const P extends StreamParams<M> = {}>(model: M, params?: P, options?: StreamOptions): AsyncIterable<StreamRow<M, P>> {
    return openStream(this, model, params as Record<string, unknown> | undefined, options) as AsyncIterable<StreamRow<M, P>>;
  }

  #sql: SqlTag | undefined;

  /**
   * Raw SQL as a tagged template: ``await db.sql<{ n: number }>`SELECT count(*) AS n FROM ${db.sql.id("users")} WHERE age > ${18}` ``.
   * Values are always bound; identifiers go through `db.sql.id()`. In a custom node, `db.sql.with(ctx)`
   * runs on the node's run transaction. SQL adapters only.
   */
  get sql(): SqlTag {
    this.#sql ??= sqlTag(
      this.adapter,
      async () => {
        this.assertOpen();
        await this.connect();
      },
      composeRawSql(
        this.plugins.flatMap((p) => p.rawSqlMiddleware ?? []),
        () => this.context,
      ),
    );
    return this.#sql;
  }

  /** Pool figures, statements sent and failures by error class, from the adapter. */
  stats(): AdapterStats {
    if (typeof this.adapter.stats !== "function") {
      throw new PluginError(`The ${this.adapter.databaseType} adapter does not report stats()`, {
        fix: "Upgrade the adapter's plugin to one built for this kernel",
      });
    }
    return this.adapter.stats();
  }

  /** Pings the database: `{ ok, latencyMs, error? }`; never throws. */
  async healthCheck(): Promise<HealthStatus> {
    if (this.closed) return { ok: false, latencyMs: 0, error: ClosedError.ofInstance().message };
    return this.adapter.healthCheck();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  assertOpen(): void {
    if (this.closed) throw ClosedError.ofInstance();
  }

  /** Closes the connection(s) and removes this instance's nodes from runtime resolution. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    untrackOwner(this);
    await this.adapter.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
