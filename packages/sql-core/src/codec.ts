import type { Model, ModelField, RowData } from "@dataflow/kernel/plugin";
import { canonicalDecimal } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";

export type RowDecoder = (row: Record<string, unknown>) => RowData;

/** Decoders by column list: by the array itself (callers reuse theirs), else by the names per model. */
const byArray = new WeakMap<Dialect, WeakMap<readonly ModelField[], RowDecoder>>();
const byNames = new WeakMap<Dialect, WeakMap<Model, Map<string, RowDecoder>>>();

/**
 * The decoder of rows of exactly these columns (one per dialect, model and column list, compiled on
 * first use): driver values become the canonical JS types (boolean, Date, parsed JSON, bigint,
 * decimal string); columns whose driver value already is that are not touched. Rows are converted
 * in place, so they keep the driver's keys in the driver's order.
 */
export function rowDecoder(dialect: Dialect, model: Model, fields: readonly ModelField[]): RowDecoder {
  let arrays = byArray.get(dialect);
  if (!arrays) byArray.set(dialect, (arrays = new WeakMap()));
  let decode = arrays.get(fields);
  if (decode !== undefined) return decode;
  // The column list itself is the key: field names are identifiers, so "," cannot occur in one.
  let key = "";
  for (const f of fields) key += `${f.name},`;
  let perDialect = byNames.get(dialect);
  if (!perDialect) byNames.set(dialect, (perDialect = new WeakMap()));
  let perModel = perDialect.get(model);
  if (!perModel) perDialect.set(model, (perModel = new Map()));
  decode = perModel.get(key);
  if (decode === undefined) {
    const names: string[] = [];
    const steps: Array<(v: unknown) => unknown> = [];
    for (const f of fields) {
      const step = dialect.decoder(f);
      if (step) {
        names.push(f.name);
        steps.push(step);
      }
    }
    perModel.set(key, (decode = compileDecoder(names, steps)));
  }
  arrays.set(fields, decode);
  return decode;
}

/** The names a generated decoder may embed: what the kernel accepts as a field name (`assertIdentifier`). */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const embeddable = (name: string) => PLAIN_NAME.test(name) && name !== "__proto__";

/**
 * A decoder with one straight-line step per decoded column, compiled once per (dialect, model,
 * column list). Why generated code: each step loads and stores its column by a constant name, so
 * the loads stay monomorphic on the driver's rows and each step's call has a single target V8 can
 * inline; a loop over names (or an array of per-column closures) makes every keyed load and store
 * megamorphic (about 25x slower per 50-row result in a micro-benchmark, see bench/README.md).
 * Safety: only names matching `PLAIN_NAME` are embedded, each as a `JSON.stringify` string
 * literal, and the steps come in as parameters, never as source text. Anything else, or a
 * runtime that forbids code generation (a CSP without unsafe-eval), gets the same steps as a loop.
 */
function compileDecoder(names: readonly string[], steps: ReadonlyArray<(v: unknown) => unknown>): RowDecoder {
  if (names.length === 0) return (row) => row;
  if (names.every(embeddable))
    try {
      return generatedDecoder(names, steps);
    } catch {
      // Code generation is not allowed here: fall through to the loop.
    }
  return (row) => {
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const v = row[name];
      if (v !== null && v !== undefined) row[name] = steps[i]!(v);
    }
    return row;
  };
}

function generatedDecoder(names: readonly string[], steps: ReadonlyArray<(v: unknown) => unknown>): RowDecoder {
  const body = names
    .map((name, i) => {
      const key = JSON.stringify(name);
      return `v = row[${key}]; if (v !== null && v !== undefined) row[${key}] = s${i}(v);`;
    })
    .join("\n");
  const params = names.map((_, i) => `s${i}`);
  return new Function(...params, `"use strict"; return function decodeRow(row) { let v;\n${body}\nreturn row; };`)(...steps) as RowDecoder;
}

/**
 * A database's decimal text as the contract's canonical decimal string (`"0010.500"` -> `"10.5"`).
 * Text that already is canonical (no leading zero before a digit, no trailing fraction zero, not
 * `-0`), which is what a DECIMAL column of scale 0 or a value using its full scale prints, is
 * returned as is after one scan; anything else goes through `canonicalDecimal`.
 */
export function decodeDecimal(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  const length = text.length;
  let at = text.charCodeAt(0) === 45 ? 1 : 0;
  const start = at;
  let dot = -1;
  for (; at < length; at++) {
    const c = text.charCodeAt(at);
    if (c === 46 && dot < 0) dot = at;
    else if (c < 48 || c > 57) break;
  }
  const plain =
    at === length &&
    dot !== start &&
    dot !== length - 1 &&
    !(text.charCodeAt(start) === 48 && start + 1 < length && text.charCodeAt(start + 1) !== 46) &&
    !(dot > 0 && text.charCodeAt(length - 1) === 48) &&
    !(start === 1 && text.charCodeAt(1) === 48 && (length === 2 || dot > 0));
  if (plain && length > start) return text;
  return canonicalDecimal(text) ?? text;
}
