import type { Middleware, Model, ModelOperation } from "@dataflow/kernel/plugin";
import { PostgresAdapter } from "./adapter.js";
import { qualifiedTable, quoteIdentifier } from "./dialect.js";

function insertsExplicitId(op: ModelOperation): boolean {
  switch (op.kind) {
    case "Create":
      return Object.hasOwn(op.data, "id");
    case "Upsert":
      return Object.hasOwn(op.create, "id");
    case "BulkCreate":
    case "BulkUpsert":
      return op.rows.some((row) => Object.hasOwn(row, "id"));
    default:
      return false;
  }
}

/** Moves the identity sequence past the largest id, never backwards. */
export function identitySyncStatement(model: Model): string {
  const pk = quoteIdentifier(model.primaryKey.name);
  return (
    `SELECT setval(seq, top) FROM (SELECT pg_get_serial_sequence($1, $2) AS seq, (SELECT max(${pk}) FROM ${qualifiedTable(model)}) AS top) s ` +
    `WHERE top > COALESCE(pg_sequence_last_value(seq::regclass), 0)`
  );
}

/**
 * An explicit id written into an auto-increment (identity) column does not move PostgreSQL's
 * sequence, so a later generated id would collide with it. SQLite and MySQL continue after the
 * largest id; after such a write this middleware makes PostgreSQL do the same.
 */
export const syncIdentityAfterExplicitIds: Middleware = async (op, ctx, next, plugin) => {
  const result = await next(op);
  const model = op.model;
  if (!model.primaryKey.autoIncrement || !insertsExplicitId(op)) return result;
  const adapter = plugin.adapter;
  if (!(adapter instanceof PostgresAdapter)) return result;
  try {
    await adapter.executorFor(ctx).query(identitySyncStatement(model), [qualifiedTable(model), model.primaryKey.name]);
  } catch (error) {
    ctx.logger.warn({ err: (error as Error).message, model: model.name }, "advancing the id sequence after explicit ids failed");
  }
  return result;
};
