import type { ListOperation, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { rowDecoder } from "@dataflow/sql-core";

/**
 * Result column aliases the backends select beside the model's columns. The distance is selected
 * under its output name (no model with a vector field may have a field `distance`), so its rows
 * need no renaming; the text score keeps a private alias, since `textScore` may be a field name.
 */
export const DISTANCE_COLUMN = "distance";
export const SCORE_COLUMN = "__df_score";

/**
 * Decodes search rows in place to the model's JS types and moves the backend's score column
 * (`extra`) to the output property `as`, as a number (null when the database gave none).
 * `fields` arrays that repeat (see `searchFields`) find their decoder by identity.
 */
export function decodeScoredRows(
  adapter: DatabaseAdapter,
  op: ListOperation,
  fields: readonly ModelField[],
  rows: Record<string, unknown>[],
  extra: string,
  as: string,
): RowData[] {
  const decode = rowDecoder(adapter.dialect, op.model, fields);
  for (const row of rows) {
    decode(row);
    const value = row[extra];
    const score = typeof value === "number" ? value : value === null || value === undefined ? null : Number(value);
    if (extra !== as) {
      delete row[extra];
      row[as] = score;
    } else if (score !== value) row[as] = score;
  }
  return rows;
}
