import { PositionalRows } from "./bulk-rows.js";
import { ValidationError } from "./errors.js";
import { isPlainObject } from "./filter.js";
import type { Model, ModelField } from "./model.js";
import { DELETED_AT } from "./model.js";
import { quoteName, shortName } from "./names.js";
import { didYouMean } from "./suggest.js";
import { validateValue } from "./values.js";

export type RowData = Record<string, unknown>;

// What a create row gets for a field its input leaves out.
const LEAVE_OUT = 0; // a system field the database or a plugin fills (id, tenant_id)
const NOW = 1; // created_at, updated_at
const NULL = 2; // deleted_at, or an optional field without a default
const FIXED = 3; // a constant default, validated once
const GENERATED = 4; // a generated default, validated per row
const REQUIRED = 5;

interface FieldStep {
  readonly field: ModelField;
  readonly name: string;
  /** Input may name the field (not a DataFlow-managed system field). */
  readonly settable: boolean;
  readonly absent: number;
  readonly fixed: unknown;
  readonly generate: (() => unknown) | undefined;
}

/**
 * A model's create-row plan: per field, whether input may set it and what it gets when left out,
 * resolved once per model, so a row costs one pass over the steps and no lookups or allocations
 * besides the row itself.
 */
interface CreatePlan {
  readonly steps: readonly FieldStep[];
  /** Indexes of the steps a row may or may not carry (LEAVE_OUT): the key of a bulk row's column group is which of them it carries. */
  readonly optional: readonly number[];
  /** Columns of a bulk row by that key (bit k: optional[k] present). */
  readonly columns: Map<number, readonly ModelField[]>;
  /** The model's field count when the plan was made: plugins add system fields until the model is sealed. */
  readonly fieldCount: number;
  /** `planValues` generated for these steps (made on first bulk use; null when a name cannot be embedded). */
  compiledValues: CompiledValues | null | undefined;
}

type CompiledValues = (input: Record<string, unknown>, now: Date, width: number) => unknown[] | undefined;

const plans = new WeakMap<readonly ModelField[], CreatePlan>();

function planStep(model: Model, f: ModelField): FieldStep {
  const name = f.name;
  const settable = !(f.system && !f.primaryKey && !model.inputSystemFields.has(name));
  const step = { field: f, name, settable, absent: LEAVE_OUT, fixed: undefined as unknown, generate: undefined as (() => unknown) | undefined };
  if (f.system) {
    if (name === "created_at" || name === "updated_at") step.absent = NOW;
    else if (name === DELETED_AT) step.absent = NULL;
    return step;
  }
  const def = f.default;
  if (def === undefined) step.absent = f.nullable ? NULL : REQUIRED;
  else if ("generate" in def) {
    step.absent = GENERATED;
    step.generate = def.generate;
  } else {
    try {
      step.fixed = validateValue(f, def.value, name);
      step.absent = FIXED;
    } catch {
      // An invalid constant default is reported per row, with the row's path (the precise pass).
      step.absent = REQUIRED;
    }
  }
  return step;
}

function createPlan(model: Model): CreatePlan {
  const fields = model.fields;
  let plan = plans.get(fields);
  if (plan === undefined || plan.fieldCount !== fields.length) {
    const steps = fields.map((f) => planStep(model, f));
    const optional = steps.flatMap((s, i) => (s.absent === LEAVE_OUT ? [i] : []));
    plan = { steps, optional, columns: new Map(), fieldCount: fields.length, compiledValues: undefined };
    plans.set(fields, plan);
  }
  return plan;
}

/**
 * The row to insert, or undefined when the input is not a valid row (then the precise pass names
 * the problem). Builds no error paths: a rejected value throws, and the caller redoes the row.
 */
function planRow(plan: CreatePlan, input: unknown, now: Date): RowData | undefined {
  if (!isPlainObject(input)) return undefined;
  const steps = plan.steps;
  const row: RowData = {};
  let matched = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const name = step.name;
    if (Object.hasOwn(input, name)) {
      if (!step.settable) return undefined;
      matched++;
      row[name] = validateValue(step.field, input[name], name);
      continue;
    }
    switch (step.absent) {
      case NOW:
        row[name] = now;
        break;
      case NULL:
        row[name] = null;
        break;
      case FIXED:
        row[name] = step.fixed;
        break;
      case GENERATED:
        row[name] = validateValue(step.field, step.generate!(), name);
        break;
      case REQUIRED:
        return undefined;
    }
  }
  // Counting keys only when a row could hold an unknown one would need a second pass; Object.keys is one builtin call.
  return matched === Object.keys(input).length ? row : undefined;
}

/** The field a create or update input names; an unknown or managed field is a typed error naming the path. */
export function fieldFor(model: Model, key: string, path: string): ModelField {
  const f = model.field(key);
  if (!f) {
    throw new ValidationError(`Unknown field ${quoteName(key)} in '${path}' for model ${model.name}. ${didYouMean(key, model.fieldNames)}`.trim(), {
      field: `${path}.${shortName(key)}`,
    });
  }
  if (f.system && !f.primaryKey && !model.inputSystemFields.has(key)) {
    throw new ValidationError(`'${path}.${key}' is managed by DataFlow and cannot be set`, { field: `${path}.${key}` });
  }
  return f;
}

/** The precise pass: the same rules as the plan, checked in order, with every error naming its path. */
function preciseRow(model: Model, plan: CreatePlan, data: unknown, path: string, now: Date): RowData {
  if (!isPlainObject(data)) throw new ValidationError(`'${path}' must be a plain object`, { field: path });
  const input = data;
  const row: RowData = {};
  let matched = 0;
  let missing: string[] | undefined;
  for (const step of plan.steps) {
    const { field: f, name } = step;
    if (Object.hasOwn(input, name)) {
      matched++;
      if (!step.settable) {
        throw new ValidationError(`'${path}.${name}' is managed by DataFlow and cannot be set`, { field: `${path}.${name}` });
      }
      row[name] = validateValue(f, input[name], `${path}.${name}`);
    } else if (step.absent === NOW) row[name] = now;
    else if (step.absent === NULL) row[name] = null;
    else if (!f.system) {
      const def = f.default;
      if (def === undefined) missing = [...(missing ?? []), name];
      else row[name] = validateValue(f, "generate" in def ? def.generate() : def.value, `${path}.${name} (default)`);
    }
  }
  if (matched !== Object.keys(input).length) {
    for (const key of Object.keys(input)) fieldFor(model, key, path);
  }
  if (missing) {
    const key = model.primaryKey.name;
    const idHint = missing.includes(key)
      ? ` Model ${model.name} has a ${model.primaryKey.kind} ${key === "id" ? "id" : `primary key '${key}'`}, which you must supply.`
      : "";
    throw new ValidationError(`Missing required field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${path}.${m}'`).join(", ")}.${idHint}`, {
      field: `${path}.${missing[0]}`,
      fix: "Pass a value, or declare the field .optional() or with a .default()",
    });
  }
  return row;
}

/** One create row through the plan; a rejected row is redone by the precise pass, whose path (`path[index]` for a bulk row) is built only then. */
function createRow(model: Model, plan: CreatePlan, data: unknown, path: string, index: number | undefined, now: Date): RowData {
  let row: RowData | undefined;
  try {
    row = planRow(plan, data, now);
  } catch {
    row = undefined;
  }
  return row ?? preciseRow(model, plan, data, index === undefined ? path : `${path}[${index}]`, now);
}

/** Validates create data and returns the full row to insert: defaults applied, timestamps set. */
export function normalizeCreateData(model: Model, data: unknown, path: string, now: Date): RowData {
  return createRow(model, createPlan(model), data, path, undefined, now);
}

/** Which optional (LEAVE_OUT) steps the input carries, as a bit mask; -1 when the row must go to the precise pass. */
function columnKey(plan: CreatePlan, input: unknown): number {
  if (!isPlainObject(input)) return -1;
  const { optional, steps } = plan;
  if (optional.length > 30) return -1;
  let key = 0;
  for (let k = 0; k < optional.length; k++) {
    const step = steps[optional[k]!]!;
    if (Object.hasOwn(input, step.name)) {
      if (!step.settable) return -1;
      key |= 1 << k;
    }
  }
  return key;
}

function keyOfRow(plan: CreatePlan, row: RowData): number {
  let key = 0;
  for (let k = 0; k < plan.optional.length; k++) if (Object.hasOwn(row, plan.steps[plan.optional[k]!]!.name)) key |= 1 << k;
  return key;
}

function columnsOf(plan: CreatePlan, key: number): readonly ModelField[] {
  let columns = plan.columns.get(key);
  if (columns === undefined) {
    const skipped = new Set(plan.optional.filter((_, k) => (key & (1 << k)) === 0));
    columns = plan.steps.filter((_, i) => !skipped.has(i)).map((s) => s.field);
    plan.columns.set(key, columns);
  }
  return columns;
}

/**
 * The row's values in the order of its column group (`width` of them), or undefined when the input
 * is not a valid row. Like planRow, builds no error paths.
 */
function planValues(plan: CreatePlan, input: Record<string, unknown>, now: Date, width: number): unknown[] | undefined {
  const steps = plan.steps;
  const values = new Array<unknown>(width);
  let j = 0;
  let matched = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const name = step.name;
    if (Object.hasOwn(input, name)) {
      if (!step.settable) return undefined;
      matched++;
      values[j++] = validateValue(step.field, input[name], name);
      continue;
    }
    switch (step.absent) {
      case LEAVE_OUT:
        break;
      case NOW:
        values[j++] = now;
        break;
      case NULL:
        values[j++] = null;
        break;
      case FIXED:
        values[j++] = step.fixed;
        break;
      case GENERATED:
        values[j++] = validateValue(step.field, step.generate!(), name);
        break;
      case REQUIRED:
        return undefined;
    }
  }
  return matched === Object.keys(input).length ? values : undefined;
}

/** Names embedded in generated code, as JSON string literals: plain identifiers only (the code generator's own gate). */
const EMBEDDABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `planValues` for one plan as generated code: each field read by a constant name (a monomorphic
 * load on rows of one shape, where the loop's keyed loads and `Object.hasOwn` calls with a changing
 * name are megamorphic). A value that is not undefined counts as the row's own, so callers use it only
 * while `Object.prototype` has none of the plan's names (`inheritsNone`); an undefined value is
 * present only if own (then `validateValue` rejects it, as in the loop). Same results and same
 * rejections as `planValues`.
 */
function compileValues(plan: CreatePlan): CompiledValues | null {
  let body = "";
  for (let i = 0; i < plan.steps.length; i++) {
    const step = plan.steps[i]!;
    if (!EMBEDDABLE.test(step.name) || step.name === "__proto__") return null;
    const key = JSON.stringify(step.name);
    const present = step.settable ? `matched++; values[j++] = validate(steps[${i}].field, v, ${key});` : "return undefined;";
    let absent = "";
    if (step.absent === NOW) absent = "values[j++] = now;";
    else if (step.absent === NULL) absent = "values[j++] = null;";
    else if (step.absent === FIXED) absent = `values[j++] = steps[${i}].fixed;`;
    else if (step.absent === GENERATED) absent = `values[j++] = validate(steps[${i}].field, steps[${i}].generate(), ${key});`;
    else if (step.absent === REQUIRED) absent = "return undefined;";
    body += `v = input[${key}];\nif (v !== undefined || hasOwn(input, ${key})) { ${present} } else { ${absent} }\n`;
  }
  const source = `"use strict"; return function planValuesCompiled(input, now, width) {
const values = new Array(width); let j = 0; let matched = 0; let v;
${body}return matched === Object.keys(input).length ? values : undefined; };`;
  return new Function("steps", "validate", "hasOwn", source)(plan.steps, validateValue, Object.hasOwn) as CompiledValues;
}

/** True when `Object.prototype` carries none of the plan's field names (so a row's non-undefined value is its own). */
function inheritsNone(plan: CreatePlan): boolean {
  for (const step of plan.steps) if (step.name in Object.prototype) return false;
  return true;
}

/**
 * Validates every row of a bulk write before any I/O (an error names the row index and the field)
 * and returns them positionally, grouped by the columns they carry: no object per row.
 */
export function normalizeBulkRows(model: Model, input: readonly unknown[], path: string, now: Date): PositionalRows {
  const plan = createPlan(model);
  if (plan.compiledValues === undefined) plan.compiledValues = compileValues(plan);
  const compiled = plan.compiledValues !== null && inheritsNone(plan) ? plan.compiledValues : undefined;
  const out = new PositionalRows();
  const byKey = new Map<number, number>();
  let lastKey = -1;
  let last: { readonly fields: readonly ModelField[]; readonly rows: unknown[][] } | undefined;
  let lastIndex = 0;
  for (let i = 0; i < input.length; i++) {
    const data = input[i];
    let key = columnKey(plan, data);
    let values: unknown[] | undefined;
    if (key >= 0) {
      try {
        const width = key === lastKey ? last!.fields.length : columnsOf(plan, key).length;
        values = compiled ? compiled(data as Record<string, unknown>, now, width) : planValues(plan, data as Record<string, unknown>, now, width);
      } catch {
        values = undefined;
      }
    }
    if (values === undefined) {
      const row = preciseRow(model, plan, data, `${path}[${i}]`, now);
      key = keyOfRow(plan, row);
      const fields = columnsOf(plan, key);
      values = fields.map((f) => row[f.name]);
    }
    if (key !== lastKey) {
      let index = byKey.get(key);
      if (index === undefined) {
        index = out.groups.length;
        byKey.set(key, index);
        out.groups.push({ fields: columnsOf(plan, key), rows: [] });
        if (index === 1) out.order = new Array<number>(i).fill(0);
      }
      lastKey = key;
      lastIndex = index;
      last = out.groups[index] as { readonly fields: readonly ModelField[]; readonly rows: unknown[][] };
    }
    last!.rows.push(values);
    out.order?.push(lastIndex);
  }
  out.count = input.length;
  return out;
}
