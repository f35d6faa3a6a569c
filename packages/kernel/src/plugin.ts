import { InvalidIdentifierError, PluginError, ValidationError } from "./errors.js";
import { ownProperties } from "./own.js";
import type { Model } from "./model.js";
import type { NodeContext, NodeDefinition, RunContext } from "./node.js";
import type { ListOperation, ModelOperation, RowData } from "./operations.js";
import type { StreamRequest } from "./stream.js";

/** The adapter contract version this kernel implements. Plugins declare a range (e.g. `"^1"`). */
export const KERNEL_CONTRACT_VERSION = "1.0.0";

export interface AdapterCapabilities {
  readonly transactions: boolean;
  readonly savepoints: boolean;
  readonly returning: boolean;
  readonly upsert: boolean;
  readonly json: boolean;
  readonly vector: boolean;
  readonly streaming: boolean;
  readonly [name: string]: boolean;
}

export interface HealthStatus {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Counters of one adapter since it was created: `db.stats()`. */
export interface AdapterStats {
  readonly connections: {
    /** Connections open (in use or idle). */
    readonly total: number;
    readonly idle: number;
    /** Callers waiting for a connection to free up. */
    readonly waiting: number;
  };
  /** Statements (or database commands) sent. */
  readonly statements: number;
  /** Failed operations by typed error class, e.g. `{ UniqueViolationError: 2 }`. */
  readonly errors: Readonly<Record<string, number>>;
}

/** One raw SQL statement: the template's text parts and the values between them (`db.sql\`...\``). */
export interface RawSqlQuery {
  readonly strings: readonly string[];
  /** Bound values, or `SqlIdentifier`s quoted into the text. */
  readonly values: readonly unknown[];
}

const SQL_IDENTIFIER_BRAND = Symbol.for("@dataflow/kernel:sql-identifier");
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** An identifier for raw SQL (`db.sql.id("users")`, `db.sql.id("app", "users")`): quoted by the dialect, never bound. */
export class SqlIdentifier {
  /** `instanceof` by a brand: a plugin built against another copy of the kernel still recognizes it. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [SQL_IDENTIFIER_BRAND]?: unknown })[SQL_IDENTIFIER_BRAND] === true;
  }

  readonly [SQL_IDENTIFIER_BRAND] = true;
  readonly parts: readonly string[];
  constructor(parts: readonly string[]) {
    if (parts.length === 0 || parts.length > 3) {
      throw new ValidationError('sql.id() takes one to three name parts, e.g. sql.id("users") or sql.id("app", "users")', { field: "sql.id" });
    }
    for (const part of parts) {
      if (typeof part !== "string" || !SQL_IDENTIFIER.test(part)) {
        throw new InvalidIdentifierError(`sql.id(): ${JSON.stringify(String(part)).slice(0, 80)} is not a plain identifier`, {
          field: "sql.id",
          fix: "Use ASCII letters, digits, underscores and $, starting with a letter or underscore (at most 63 characters)",
        });
      }
    }
    this.parts = Object.freeze([...parts]);
  }
}

/** Isolation levels a transaction may ask for, by their SQL names. */
export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export const ISOLATION_LEVELS: readonly IsolationLevel[] = Object.freeze(["read committed", "repeatable read", "serializable"]);

export interface TransactionOptions {
  readonly isolationLevel?: IsolationLevel;
  readonly readOnly?: boolean;
}

/** Rejects anything but a known isolation level and a boolean `readOnly`, naming the field. */
export function checkTransactionOptions(options: unknown): TransactionOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValidationError("Transaction options must be an object", { field: "options" });
  }
  for (const key of Object.keys(options)) {
    if (key !== "isolationLevel" && key !== "readOnly") {
      throw new ValidationError(`Unknown transaction option '${key}'`, { field: key, fix: "Known options: isolationLevel, readOnly" });
    }
  }
  const { isolationLevel, readOnly } = ownProperties(options);
  if (isolationLevel !== undefined && !ISOLATION_LEVELS.includes(isolationLevel as IsolationLevel)) {
    throw new ValidationError("isolationLevel is not a known isolation level", {
      field: "isolationLevel",
      fix: `Use one of ${ISOLATION_LEVELS.map((l) => `"${l}"`).join(", ")}`,
    });
  }
  if (readOnly !== undefined && typeof readOnly !== "boolean") {
    throw new ValidationError("readOnly must be a boolean", { field: "readOnly" });
  }
  // Null prototype: readers of an option that was not given get undefined, never an inherited value.
  const out: { isolationLevel?: IsolationLevel; readOnly?: boolean } = Object.create(null);
  if (isolationLevel !== undefined) out.isolationLevel = isolationLevel as IsolationLevel;
  if (readOnly !== undefined) out.readOnly = readOnly;
  return out;
}

/** What every adapter is: a connection to one database, with its capabilities. */
export interface BaseAdapter {
  readonly adapterType: "sql" | "document" | "vector" | (string & {});
  readonly databaseType: string;
  readonly capabilities: AdapterCapabilities;
  connect(): Promise<void>;
  close(): Promise<void>;
  healthCheck(): Promise<HealthStatus>;
  /** Connection pool figures, statements sent and failures by error class, since the adapter was created. */
  stats(): AdapterStats;
  /**
   * Optional (SQL adapters): runs one raw statement, values bound by the dialect's placeholders,
   * `SqlIdentifier`s quoted. With `ctx` it runs where the node's statements run (its run's
   * transaction); without, on the pool or the ambient `db.transaction()`.
   */
  rawSql?(query: RawSqlQuery, ctx: NodeContext | undefined): Promise<Record<string, unknown>[]>;
  /** Creates or additively migrates the storage for the models (tables, columns, indexes). */
  ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void>;
  /**
   * Optional: true when `ensureSchema` runs on a connection of its own that never waits for the
   * connections transactions hold, so a model can be prepared on first use inside a transaction.
   * When absent or false, transactions prepare the declared models before they open.
   */
  readonly separateSchemaConnection?: boolean;
  /**
   * Optional (adapters with transactions): runs `fn` in one transaction on one connection. Everything
   * the adapter runs in `fn`'s async context joins it; a call made inside another one is a savepoint.
   * Commits when `fn` resolves, rolls back when it rejects. `DataFlow.transaction()` delegates here.
   */
  transaction?<T>(fn: () => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Optional (`capabilities.streaming`): the rows of a List operation as an async iterable that reads
   * `request.batchSize` rows per round trip, only as the consumer pulls. Nothing may run before the
   * first `next()`; `return()` (an early `break`) and an abort of `ctx.signal` must release the
   * connection. `db.stream()` delegates here after the middleware.
   */
  stream?(op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData>;
  /**
   * Optional (adapters whose transactions are not sql-core connections, e.g. MongoDB sessions): how
   * `@dataflow/transactions` opens a transaction for a workflow run (TransactionScope nodes,
   * `execute(wf, { transaction: true })`).
   */
  readonly runTransactions?: RunTransactionSupport;
}

/** A transaction opened through `RunTransactionSupport`, or the `db.transaction()` a run joins. */
export interface RunTransactionHandle {
  readonly options: TransactionOptions;
}

/**
 * How a workflow run holds a transaction on an adapter without savepoints (a nested level is
 * refused). While a transaction is bound to a run, every node of the adapter in that run joins it;
 * a node of a run with `options.transaction === true` and nothing bound (nor an ambient
 * `db.transaction()`) fails with a `TransactionError`, so its writes never escape the atomic run.
 */
export interface RunTransactionSupport {
  /** The `db.transaction()` the caller runs in, if any: a run inside it joins it. */
  ambient(): RunTransactionHandle | undefined;
  /** Connects if needed and opens a transaction; a `TransactionError` naming the reason where the deployment has none. */
  begin(options: TransactionOptions): Promise<RunTransactionHandle>;
  commit(tx: RunTransactionHandle): Promise<void>;
  /** Rolls back and releases the transaction; never leaves it open. */
  rollback(tx: RunTransactionHandle): Promise<void>;
  /** Binds `tx` to the run: the adapter's nodes in `run` join it (undefined unbinds). */
  bind(run: RunContext, tx: RunTransactionHandle | undefined): void;
  /** True when a node in `ctx` runs its writes in a transaction (bound to its run, or ambient). */
  inTransaction(ctx: NodeContext): boolean;
  /** A run that joined `tx` (ambient) without a savepoint failed: the whole transaction must roll back. */
  abandon(tx: RunTransactionHandle, cause: unknown): void;
}

export interface AdapterOptions {
  readonly pool?: PoolOptions;
  readonly logger?: import("./logger.js").Logger;
  /** Statements slower than this many ms are logged at warn with their SQL text and parameter count (never the values). */
  readonly slowQueryMs?: number;
  readonly [key: string]: unknown;
}

export interface PoolOptions {
  readonly max?: number;
  readonly min?: number;
  readonly idleTimeoutMs?: number;
  readonly acquireTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

export interface AdapterFactory {
  readonly schemes: readonly string[];
  create(url: string, options: AdapterOptions): BaseAdapter;
}

/** What a plugin hook receives: the owning DataFlow, through a narrow interface. */
export interface PluginContext {
  readonly adapter: BaseAdapter;
  readonly dataflow: DataFlowHandle;
}

/** The part of `DataFlow` that plugins may use. */
export interface DataFlowHandle {
  readonly namespace: string | undefined;
  readonly adapter: BaseAdapter;
  readonly models: ReadonlyMap<string, Model>;
  /** True once the model's schema is known to exist. */
  isReady(model: Model): boolean;
  /** Resolves once the model's schema exists (deferred schema work). */
  ensureModel(model: Model): Promise<void>;
  /** False when no plugin middleware wraps model operations, so `runOperation` would call `execute` directly. */
  readonly hasMiddleware?: boolean;
  /** Runs an operation through the middleware chain, then `execute`. */
  runOperation<R>(op: ModelOperation, ctx: NodeContext, execute: (op: ModelOperation) => Promise<R>): Promise<R>;
  readonly plugins: readonly Plugin[];
}

/**
 * Wraps every model operation of the DataFlows whose plugins include it. `plugin` is the owning
 * DataFlow's plugin context (its adapter and handle), so middleware needs no model -> adapter map.
 */
export type Middleware = (op: ModelOperation, ctx: NodeContext, next: (op: ModelOperation) => Promise<unknown>, plugin: PluginContext) => Promise<unknown>;

/**
 * Wraps every `db.sql` statement of the DataFlows whose plugins include it (`ctx` is the custom
 * node's context from `db.sql.with(ctx)`, else undefined), e.g. to run it under a session setting.
 */
export type RawSqlMiddleware = (
  query: RawSqlQuery,
  ctx: NodeContext | undefined,
  next: (query: RawSqlQuery) => Promise<Record<string, unknown>[]>,
  plugin: PluginContext,
) => Promise<Record<string, unknown>[]>;

/**
 * Called once per run for each DataFlow instance whose nodes the run uses, with that instance's
 * context (so a hook knows which adapter it serves).
 */
export interface RunHooks {
  /** Before the first node of a run. A throw fails the run before any node starts. */
  begin?(run: RunContext, ctx: PluginContext): void | Promise<void>;
  /** After the last node; `error` is set when the run failed. A throw fails a run that had succeeded. */
  end?(run: RunContext, error: unknown, ctx: PluginContext): void | Promise<void>;
}

export interface Plugin {
  readonly name: string;
  /** Kernel contract range, e.g. `"^1"`. */
  readonly kernel: string;
  readonly adapters?: readonly AdapterFactory[];
  /** Called for each declared model before its nodes are generated (may add system fields). */
  readonly onModel?: (model: Model, ctx: PluginContext) => void;
  readonly modelNodes?: (model: Model, ctx: PluginContext) => readonly NodeDefinition[];
  readonly nodes?: (ctx: PluginContext) => readonly NodeDefinition[];
  readonly middleware?: readonly Middleware[];
  readonly rawSqlMiddleware?: readonly RawSqlMiddleware[];
  readonly runHooks?: RunHooks;
  /** Restricts the adapter's schemaless nodes (e.g. MongoDB's document nodes) to one scope, such as one tenant. */
  readonly rowScope?: RowScope;
}

/**
 * A plugin's restriction of schemaless operations (nodes that take raw queries and documents rather
 * than model operations) to one scope, such as one tenant: everything they read has `field` equal
 * to `value(ctx)`, everything they write gets it. An adapter that declares the `rowScope`
 * capability applies the `rowScope` of every plugin of its DataFlow to its schemaless nodes.
 */
export interface RowScope {
  /** The field every scoped document carries, e.g. `tenant_id`. */
  readonly field: string;
  /** The field's value for the operation of node `ctx`; throws (fails closed) when none is bound. */
  value(ctx: NodeContext): string;
  /** The typed error for input that would read or write outside the scope; `path` names the offending input. */
  refusal(message: string, path: string): Error;
}

function satisfies(version: string, range: string): boolean {
  const [maj, min, pat] = version.split(".").map(Number) as [number, number, number];
  const r = range.trim();
  if (r === "*" || r === "") return true;
  const m = /^(\^|~|>=)?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?$/.exec(r);
  if (!m) return false;
  const [, op, a, b, c] = m;
  const rMaj = Number(a);
  const rMin = b === undefined || b === "x" ? undefined : Number(b);
  const rPat = c === undefined || c === "x" ? undefined : Number(c);
  const cmp = maj !== rMaj ? maj - rMaj : min !== (rMin ?? 0) ? min - (rMin ?? 0) : pat - (rPat ?? 0);
  if (op === ">=") return cmp >= 0;
  if (op === "~") return maj === rMaj && (rMin === undefined || min === rMin) && cmp >= 0;
  if (op === "^" || op === undefined) {
    if (op === undefined && rMin !== undefined && rPat !== undefined) return cmp === 0;
    return maj === rMaj && cmp >= 0;
  }
  return false;
}

/** Declares a plugin and checks its kernel contract range against this kernel. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  if (!plugin || typeof plugin.name !== "string" || plugin.name.length === 0) {
    throw new PluginError("definePlugin: a plugin needs a name");
  }
  if (typeof plugin.kernel !== "string" || !satisfies(KERNEL_CONTRACT_VERSION, plugin.kernel)) {
    throw new PluginError(
      `Plugin ${plugin.name} needs kernel contract ${String(plugin.kernel)}, but this @dataflow/kernel implements ${KERNEL_CONTRACT_VERSION}`,
      { fix: "Install versions of the plugin and @dataflow/kernel that match" },
    );
  }
  return Object.freeze(plugin);
}
