import type { Middleware, Model, NodeContext, Plugin, PluginContext, RawSqlMiddleware } from "@dataflow/kernel/plugin";
import { PluginError, TenantError, ValidationError, definePlugin } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { TenantBinding } from "./binding.js";
import { RlsStrategy } from "./rls-strategy.js";
import { RowStrategy } from "./row-strategy.js";
import { TENANT_COLUMN, scopeOperation } from "./row-scope.js";
import { SchemaStrategy } from "./schema-strategy.js";
import type { StrategyName, TenantStrategy } from "./strategy.js";

export interface TenancyOptions {
  /**
   * - `row`: a `tenant_id` column in shared tables (every database).
   * - `schema`: a schema per tenant (PostgreSQL) or a database per tenant (MySQL).
   * - `rls`: `row` plus PostgreSQL row-level security policies.
   */
  readonly strategy: StrategyName;
  /** `schema` only: prefix of the per-tenant schema/database names (default `"tenant_"`). */
  readonly schemaPrefix?: string;
}

/** The tenancy plugin; also binds tenants for code that is not a workflow run option. */
export interface TenancyPlugin extends Plugin {
  readonly strategy: StrategyName;
  /** Runs `fn` with `tenantId` bound (AsyncLocalStorage): every operation `fn` starts runs for that tenant. */
  run<T>(tenantId: string, fn: () => T): T;
  /** The tenant bound by `run()` in the current async context. */
  current(): string | undefined;
}

const STRATEGIES: readonly StrategyName[] = ["row", "schema", "rls"];
const OPTION_KEYS = new Set(["strategy", "schemaPrefix"]);
const PREFIX = /^[a-z][a-z0-9_]{0,31}$/;
/** Tenant ids are at most 64 characters (the `row` pattern). */
const TENANT_FIELD = { kind: "string", maxLength: 64, optional: false, unique: false, index: true } as const;

function readOptions(options: TenancyOptions): { strategy: StrategyName; prefix: string } {
  if (options === null || typeof options !== "object") {
    throw new ValidationError('tenancy() needs options such as { strategy: "row" }', { field: "options" });
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new ValidationError(`Unknown tenancy option '${key}'`, { field: key, fix: "Known options: strategy, schemaPrefix" });
  }
  const strategy = Object.hasOwn(options, "strategy") ? options.strategy : undefined;
  if (!STRATEGIES.includes(strategy as StrategyName)) {
    throw new ValidationError('tenancy: strategy must be "row", "schema" or "rls"', { field: "strategy" });
  }
  const prefix = Object.hasOwn(options, "schemaPrefix") ? options.schemaPrefix : "tenant_";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    throw new ValidationError("tenancy: schemaPrefix must be lowercase letters, digits and underscores, starting with a letter (at most 32)", {
      field: "schemaPrefix",
    });
  }
  return { strategy: strategy as StrategyName, prefix };
}

function strategyFor(name: StrategyName, prefix: string): TenantStrategy {
  if (name === "schema") return new SchemaStrategy(prefix);
  if (name === "rls") return new RlsStrategy();
  return new RowStrategy();
}

const SQL_ADAPTER_MEMBERS = [
  "executorFor",
  "transactionFor",
  "transaction",
  "begin",
  "commit",
  "rollback",
  "acquire",
  "mapError",
  "query",
  "withSchemaConnection",
] as const;

/**
 * The capability an adapter outside sql-core declares to serve the `row` strategy: it runs every
 * model operation from the operation's own filter tree and rows (so scoping them scopes every read,
 * write and pipeline) and compares text exactly (tenant `Acme` never matches `acme`).
 */
export const ROW_SCOPE_CAPABILITY = "rowScope";

/** A sql-core `DatabaseAdapter`, recognized by shape: the adapter package may load its own copy of sql-core. */
function asSqlAdapter(ctx: PluginContext): DatabaseAdapter | undefined {
  const adapter = ctx.adapter as Partial<DatabaseAdapter>;
  const ok =
    adapter.adapterType === "sql" && typeof adapter.dialect?.quote === "function" && SQL_ADAPTER_MEMBERS.every((m) => typeof adapter[m] === "function");
  return ok ? (adapter as DatabaseAdapter) : undefined;
}

/** The SQL adapter, or undefined for an adapter that declares `rowScope` under the row strategy; else refused. */
function supported(ctx: PluginContext, strategy: TenantStrategy): DatabaseAdapter | undefined {
  const sql = asSqlAdapter(ctx);
  if (sql) return sql;
  if (strategy.name === "row" && ctx.adapter.capabilities[ROW_SCOPE_CAPABILITY] === true) return undefined;
  throw new PluginError(
    strategy.name === "row"
      ? `@dataflow/tenancy supports the SQL adapters and adapters declaring the '${ROW_SCOPE_CAPABILITY}' capability; ${ctx.adapter.databaseType} is neither`
      : `The ${strategy.name} tenancy strategy needs a SQL adapter; ${ctx.adapter.databaseType} is not one`,
    { fix: strategy.name === "row" ? "Use a SQL database" : 'Use tenancy({ strategy: "row" }) if the adapter declares rowScope' },
  );
}

/**
 * Multi-tenancy for models declared with `{ tenant: true }`. Fails closed: a tenant model with no
 * tenant bound, a spoofed `tenant_id`, or a write that would reach another tenant's row is a
 * `TenantError`, raised before any SQL where the input alone shows it.
 */
export function tenancy(options: TenancyOptions): TenancyPlugin {
  const { strategy: name, prefix } = readOptions(options);
  const strategy = strategyFor(name, prefix);
  const binding = new TenantBinding(strategy.tenantPattern);
  const enforced = new WeakSet<Model>();

  const middleware: Middleware = async (op, ctx, next, plugin) => {
    if (!op.model.tenant) return next(op);
    if (!enforced.has(op.model)) {
      throw new TenantError(`${op.model.name} is a tenant model this tenancy plugin does not enforce`);
    }
    const sql = supported(plugin, strategy);
    // Outside SQL (rowScope): the scoped operation is the whole enforcement; the adapter runs it as is.
    if (!sql) return next(scopeOperation(op, binding.resolve(ctx)));
    return strategy.run(op, ctx, next, binding.resolve(ctx), sql);
  };

  // db.sql under a bound tenant: the strategy's raw SQL step (rls: the tenant setting); else as is.
  const rawSqlMiddleware: RawSqlMiddleware = (query, ctx, next, plugin) => {
    if (strategy.rawSql === undefined) return next(query);
    const tenant = binding.find(ctx);
    const sql = asSqlAdapter(plugin);
    if (tenant === undefined || sql === undefined) return next(query);
    return strategy.rawSql(query, ctx, next, tenant, sql);
  };

  return definePlugin({
    name: "@dataflow/tenancy",
    kernel: "^1",
    strategy: name,
    // Runs at DataFlow construction: an unsupported database is refused at startup, before any model.
    nodes: (ctx: PluginContext) => {
      const sql = supported(ctx, strategy);
      if (sql) strategy.checkDatabase(sql);
      return [];
    },
    onModel: (model: Model, ctx: PluginContext) => {
      if (!model.tenant) return;
      const sql = supported(ctx, strategy);
      if (sql) strategy.checkDatabase(sql);
      model.addSystemField(TENANT_COLUMN, TENANT_FIELD, { scopeIndexes: true, acceptInput: true });
      enforced.add(model);
    },
    middleware: [middleware],
    // Schemaless nodes (MongoDB's document nodes) of an adapter declaring rowScope: every one is scoped to the bound tenant.
    rowScope: {
      field: TENANT_COLUMN,
      value: (ctx: NodeContext) => binding.resolve(ctx),
      refusal: (message: string, path: string) =>
        new TenantError(message, { field: path, fix: `${TENANT_COLUMN} is set by DataFlow from the bound tenant; leave it out` }),
    },
    rawSqlMiddleware: [rawSqlMiddleware],
    run: <T>(tenantId: string, fn: () => T): T => binding.run(tenantId, fn),
    current: () => binding.current(),
  });
}
