import { PluginError, ValidationError } from "./errors.js";
import type { NodeContext } from "./node.js";
import type { BaseAdapter } from "./plugin.js";
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

function bind(adapter: BaseAdapter, ready: () => Promise<void>, ctx: NodeContext | undefined): BoundSqlTag {
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
    return run.call(adapter, { strings: [...strings], values }, ctx);
  }) as BoundSqlTag;
  tag.id = id;
  return tag;
}

/** Builds `db.sql` for an adapter; `ready` connects before the first statement. */
export function sqlTag(adapter: BaseAdapter, ready: () => Promise<void>): SqlTag {
  const tag = bind(adapter, ready, undefined) as SqlTag;
  tag.with = (ctx: NodeContext) => {
    if (ctx === null || typeof ctx !== "object" || typeof ctx.runId !== "string" || ctx.run === undefined) {
      throw new ValidationError("db.sql.with() takes the context a custom node's run() receives", { field: "ctx" });
    }
    return bind(adapter, ready, ctx);
  };
  return tag;
}
