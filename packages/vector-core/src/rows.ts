import type { ListOperation, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { rowDecoder } from "@dataflow/sql-core";

/** Result column aliases the backends select beside the model's columns. */
export const DISTANCE_COLUMN = "__df_distance";
export const SCORE_COLUMN = "__df_score";

/**
 * Decodes search rows in place to the model's JS types and moves the backend's score column
 * (`extra`) to the output property `as`, as a number (null when the database gave none).
 */
export function decodeScoredRows(
  adapter: DatabaseAdapter,
  op: ListOperation,
  fields: readonly ModelField[],
  rows: Record<string, unknown>[],
  extra: string,
  as: string,
): RowData[] {
  const decode = rowDecoder(adapter.dialect, op.model, fields, fields.map((f) => f.name).join(","));
  for (const row of rows) {
    decode(row);
    const value = row[extra];
    delete row[extra];
    row[as] = value === null || value === undefined ? null : Number(value);
  }
  return rows;
}
