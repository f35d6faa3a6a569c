import type { Model, ModelField } from "./model.js";

type RowData = Record<string, unknown>;

/**
 * Rows of a bulk write that carry the same columns. `fields` are the columns in model order; each
 * row is an array of its values in that order (validated, defaults applied, `null` for NULL).
 */
export interface BulkRowGroup {
  readonly fields: readonly ModelField[];
  readonly rows: readonly (readonly unknown[])[];
}

/** The rows of a BulkCreate / BulkUpsert: `rows` as objects, or (read through `bulkRowGroups`) as positional groups. */
interface BulkRowsOperation {
  readonly model: Model;
  rows: RowData[];
}

/**
 * A bulk write's validated rows as the kernel built them: positional groups, with the group of each
 * row when there is more than one group (so the row objects can be rebuilt in input order).
 */
export class PositionalRows {
  readonly groups: BulkRowGroup[] = [];
  /** Group index of each row, present once a second group appears. */
  order: number[] | undefined;
  count = 0;

  /** The rows as objects, in input order. */
  objects(): RowData[] {
    const out = new Array<RowData>(this.count);
    const next = new Array<number>(this.groups.length).fill(0);
    for (let i = 0; i < this.count; i++) {
      const g = this.order === undefined ? 0 : this.order[i]!;
      const { fields, rows } = this.groups[g]!;
      out[i] = rowObject(fields, rows[next[g]!++]!);
    }
    return out;
  }
}

/** Operations whose positional rows are still the truth: their `rows` objects were never read or replaced. */
const fresh = new WeakMap<object, PositionalRows>();

/**
 * Gives `op` a `rows` property built from `positional` on first read. Reading or assigning `rows`
 * (a plugin stamping a column, say) makes the objects the truth from then on; an operation copied
 * with `{ ...op }` carries plain objects.
 */
export function attachRows<T extends object>(op: T, positional: PositionalRows): T & { rows: RowData[] } {
  let objects: RowData[] | undefined;
  Object.defineProperty(op, "rows", {
    enumerable: true,
    configurable: true,
    get() {
      if (objects === undefined) {
        objects = positional.objects();
        fresh.delete(op);
      }
      return objects;
    },
    set(value: RowData[]) {
      objects = value;
      fresh.delete(op);
    },
  });
  fresh.set(op, positional);
  return op as T & { rows: RowData[] };
}

/** Number of rows of a bulk write, without building row objects. */
export function bulkRowCount(op: BulkRowsOperation): number {
  return fresh.get(op)?.count ?? op.rows.length;
}

/**
 * The rows of a BulkCreate / BulkUpsert grouped by the columns they carry (explicit vs generated
 * primary key, plugin-stamped fields), groups in order of first appearance, rows in input order
 * within a group. Adapters write from these: no object per row, no lookup by column name.
 */
export function bulkRowGroups(op: BulkRowsOperation): readonly BulkRowGroup[] {
  return fresh.get(op)?.groups ?? groupRows(op.model, op.rows);
}

/** Row objects grouped by the set of model fields present; the key is a bit mask (a 0/1 string past 30 fields). */
function groupRows(model: Model, rows: readonly RowData[]): BulkRowGroup[] {
  const all = model.fields;
  const groups = new Map<number | string, { fields: ModelField[]; rows: unknown[][] }>();
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let key: number | string = 0;
    if (all.length <= 30) {
      for (let i = 0; i < all.length; i++) if (Object.hasOwn(row, all[i]!.name)) key |= 1 << i;
    } else {
      key = "";
      for (let i = 0; i < all.length; i++) key += Object.hasOwn(row, all[i]!.name) ? "1" : "0";
    }
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { fields: all.filter((f) => Object.hasOwn(row, f.name)), rows: [] }));
    const fields = group.fields;
    const values = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) values[i] = row[fields[i]!.name];
    group.rows.push(values);
  }
  return [...groups.values()];
}

/** A positional row as an object (for an error message or a rare path that wants names). */
export function rowObject(fields: readonly ModelField[], values: readonly unknown[]): RowData {
  const row: RowData = {};
  for (let i = 0; i < fields.length; i++) row[fields[i]!.name] = values[i];
  return row;
}
