import type { Model } from "@dataflow/kernel/plugin";
import { qualifiedTable, quoteIdentifier } from "./dialect.js";

/** Moves the identity sequence past the largest id, never backwards. Parameters: `identitySyncParams`. */
export function identitySyncStatement(model: Model): string {
  const pk = quoteIdentifier(model.primaryKey.name);
  return (
    `SELECT setval(seq, top) FROM (SELECT pg_get_serial_sequence($1, $2) AS seq, (SELECT max(${pk}) FROM ${qualifiedTable(model)}) AS top) s ` +
    `WHERE top > COALESCE(pg_sequence_last_value(seq::regclass), 0)`
  );
}

export function identitySyncParams(model: Model): unknown[] {
  return [qualifiedTable(model), model.primaryKey.name];
}
