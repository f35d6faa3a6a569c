import { PluginError, ValidationError } from "./errors.js";
import type { NodeContext } from "./node.js";
import type { BaseAdapter, RawSqlQuery } from "./plugin.js";
import { SqlIdentifier } from "./plugin.js";

/** Runs one raw statement: ``db.sql<Row>`SELECT * FROM ${db.sql.id("users")} WHERE id = ${id}` ``. */
export interface BoundSqlTag {
  <Row extends object = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Row[]>;
  /** An identifier (table, column, `schema.table`) quoted by the dialect; everything else is a bound value. */
  id(...parts: string[]): SqlIdentifier;
}

/** `db.sql`: the tag, plus `with(ctx)` for statements of a custom node (its run's transaction). */
export interface SqlTag extends BoundSqlTag {
  /** The tag for a custom node: statements run where the node's own statements run (the run's transaction). */
  with(ctx: NodeContext): BoundSqlTag;
}

function isTemplate(strings: unknown): strings is TemplateStringsArray {
  return Array.isArray(strings) && Array.isArray((strings as { raw?: unknown }).raw);
}

function id(...parts: string[]): SqlIdentifier {
  return new SqlIdentifier(parts);
}

type Rows = Record<string, unknown>[];

/** Runs one compiled query through the plugins' raw SQL middleware, then the adapter (`runner` undefined: no middleware). */
export type RawSqlRunner = (query: RawSqlQuery, ctx: NodeContext | undefined, execute: (query: RawSqlQuery) => Promise<Rows>) => Promise<Rows>;

function bind(adapter: BaseAdapter, ready: () => Promise<void>, ctx: NodeContext | undefined, runner: RawSqlRunner | undefined): BoundSqlTag {
  const tag = (async (strings: TemplateStringsArray, ...values: unknown[]) => {
    if (!isTemplate(strings)) {
      throw new ValidationError("db.sql is a tagged template: db.sql`SELECT ... WHERE id = ${id}`, not a function taking a string", {
        field: "sql",
        fix: "Write db.sql`...` so every value is bound; use db.sql.id(name) for identifiers",
      });
    }
    const run = adapter.rawSql;
    if (typeof run !== "function") throw new PluginError(`The ${adapter.databaseType} adapter does not run raw SQL`, { fix: "db.sql needs a SQL adapter" });
    await ready();
    const query: RawSqlQuery = { strings: [...strings], values };
    if (runner === undefined) return run.call(adapter, query, ctx);
    return runner(query, ctx, (q) => run.call(adapter, q, ctx));
  }) as BoundSqlTag;
  tag.id = id;
  return tag;
}

/** Builds `db.sql` for an adapter; `ready` connects before the first statement; `runner` applies the plugins' raw SQL middleware. */
export function sqlTag(adapter: BaseAdapter, ready: () => Promise<void>, runner?: RawSqlRunner): SqlTag {
  const tag = bind(adapter, ready, undefined, runner) as SqlTag;
  tag.with = (ctx: NodeContext) => {
    if (ctx === null || typeof ctx !== "object" || typeof ctx.runId !== "string" || ctx.run === undefined) {
      throw new ValidationError("db.sql.with() takes the context a custom node's run() receives", { field: "ctx" });
    }
    return bind(adapter, ready, ctx, runner);
  };
  return tag;
}
