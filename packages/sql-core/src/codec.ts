import type { Model, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";

export type RowDecoder = (row: Record<string, unknown>) => RowData;

const decoders = new WeakMap<Dialect, WeakMap<Model, Map<string, RowDecoder>>>();
const fullRow = new WeakMap<Dialect, WeakMap<Model, RowDecoder>>();

/**
 * Decoder for rows of the given columns: driver values become the canonical JS types
 * (boolean, Date, parsed JSON, bigint, decimal string). Driver rows are converted in place.
 */
export function rowDecoder(dialect: Dialect, model: Model, fields: readonly ModelField[], key: string): RowDecoder {
  if (key === "*") {
    const cached = fullRow.get(dialect)?.get(model);
    if (cached) return cached;
  }
  let perDialect = decoders.get(dialect);
  if (!perDialect) decoders.set(dialect, (perDialect = new WeakMap()));
  let perModel = perDialect.get(model);
  if (!perModel) perDialect.set(model, (perModel = new Map()));
  let decode = perModel.get(key);
  if (decode) return decode;
  const steps: Array<[string, (v: unknown) => unknown]> = [];
  for (const f of fields) {
    const d = dialect.decoder(f);
    if (d) steps.push([f.name, d]);
  }
  decode = (row) => {
    for (let i = 0; i < steps.length; i++) {
      const [name, fn] = steps[i]!;
      const v = row[name];
      if (v !== null && v !== undefined) row[name] = fn(v);
    }
    return row;
  };
  perModel.set(key, decode);
  if (key === "*") {
    let perDialectFull = fullRow.get(dialect);
    if (!perDialectFull) fullRow.set(dialect, (perDialectFull = new WeakMap()));
    perDialectFull.set(model, decode);
  }
  return decode;
}
