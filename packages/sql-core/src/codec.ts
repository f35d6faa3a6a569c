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
  const names: string[] = [];
  const steps: Array<(v: unknown) => unknown> = [];
  for (const f of fields) {
    const d = dialect.decoder(f);
    if (d) {
      names.push(f.name);
      steps.push(d);
    }
  }
  decode = compileDecoder(names, steps);
  perModel.set(key, decode);
  if (key === "*") {
    let perDialectFull = fullRow.get(dialect);
    if (!perDialectFull) fullRow.set(dialect, (perDialectFull = new WeakMap()));
    perDialectFull.set(model, decode);
  }
  return decode;
}

/**
 * A decoder with one straight-line step per decoded column: property loads by constant name stay
 * monomorphic on the driver's rows, where a loop over names would make every load megamorphic.
 * Names are the model's validated field names, embedded as JSON string literals. Where code
 * generation is not allowed (a CSP without unsafe-eval), the same steps run as a loop.
 */
function compileDecoder(names: readonly string[], steps: ReadonlyArray<(v: unknown) => unknown>): RowDecoder {
  if (names.length === 0) return (row) => row;
  try {
    const body = names
      .map((name, i) => {
        const key = JSON.stringify(name);
        return `v = row[${key}]; if (v !== null && v !== undefined) row[${key}] = s${i}(v);`;
      })
      .join("\n");
    const params = names.map((_, i) => `s${i}`);
    return new Function(...params, `"use strict"; return function decodeRow(row) { let v;\n${body}\nreturn row; };`)(...steps) as RowDecoder;
  } catch {
    return (row) => {
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const v = row[name];
        if (v !== null && v !== undefined) row[name] = steps[i]!(v);
      }
      return row;
    };
  }
}
