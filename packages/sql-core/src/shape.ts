import type { FilterNode, Model, OrderTerm } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";
import { escapeLike } from "./dialect.js";
import { checkRegex, inListColumn } from "./compile.js";

/**
 * Statement shapes: what of an operation decides its SQL text (node kinds, field names, operators,
 * NULL-ness of compared values, list sizes, ORDER BY, selected columns, LIMIT/OFFSET presence), as a
 * string key, with the bind values collected by the same walk in the order `compile.ts` binds them.
 * A statement compiled once per (dialect, model, shape) is then reused by later runs of that shape,
 * which only collect their values. Keys never include values, so they stay few; field names are
 * validated identifiers, so the separators below cannot occur inside them.
 */

/**
 * The shape key of a filter, pushing its bind values onto `values` exactly as `compileFilter`
 * binds them (same order, same encoding). Runs the same per-value checks as the compiler ($regex).
 */
export function filterShape(node: FilterNode, d: Dialect, values: unknown[]): string {
  switch (node.t) {
    case "const":
      return node.value ? "T" : "F";
    case "and":
    case "or": {
      let key = node.t === "and" ? "&(" : "|(";
      for (let i = 0; i < node.items.length; i++) key += `${filterShape(node.items[i]!, d, values)},`;
      return `${key})`;
    }
    case "not":
      return `!(${filterShape(node.item, d, values)})`;
    case "cmp":
      if (node.value === null) {
        values.push(null);
        return `${node.field.name}${node.op}N`;
      }
      values.push(d.encode(node.field, node.value));
      return `${node.field.name}${node.op}?`;
    case "in": {
      if (d.inList) {
        // The dialect's own text goes into the key, so a dialect whose IN text depends on the values still gets one entry per text.
        const encoded = node.values.map((v) => d.encode(node.field, v));
        const text = d.inList(inListColumn(d, node.field), node.field, encoded, node.negate, (v) => {
          values.push(v);
          return "?";
        });
        return `${node.field.name}:in[${text}]`;
      }
      let key = `${node.field.name}:${node.negate ? "nin" : "in"}[`;
      for (const v of node.values) {
        if (v === null) {
          values.push(null);
          key += "N";
        } else {
          values.push(d.encode(node.field, v));
          key += "?";
        }
      }
      return `${key}]`;
    }
    case "null":
      return `${node.field.name}:${node.isNull ? "null" : "notnull"}`;
    case "like":
      values.push(node.pattern);
      return `${node.field.name}:${node.caseInsensitive ? "ilike" : "like"}`;
    case "regex":
      checkRegex(node, d);
      values.push(node.pattern);
      return `${node.field.name}:regex`;
    case "contains":
      values.push(node.field.kind === "json" ? d.encodeJsonElement(node.value) : `%${escapeLike(node.value as string)}%`);
      return `${node.field.name}:contains`;
  }
}

/**
 * True when two filters have one shape: `filterShape` would give them one key. Compares the
 * structure only (node kinds, field names, operators, NULL-ness, list sizes), never builds a key.
 * An IN list on a dialect with its own `inList` text is never the same here (its text may depend on
 * the values): such filters take the keyed path.
 */
export function sameFilterShape(a: FilterNode, b: FilterNode, d: Dialect): boolean {
  switch (a.t) {
    case "const":
      return b.t === "const" && a.value === b.value;
    case "and":
    case "or": {
      if (b.t !== a.t || b.items.length !== a.items.length) return false;
      for (let i = 0; i < a.items.length; i++) if (!sameFilterShape(a.items[i]!, b.items[i]!, d)) return false;
      return true;
    }
    case "not":
      return b.t === "not" && sameFilterShape(a.item, b.item, d);
    case "cmp":
      return b.t === "cmp" && a.field.name === b.field.name && a.op === b.op && (a.value === null) === (b.value === null);
    case "in": {
      if (d.inList || b.t !== "in" || a.field.name !== b.field.name || a.negate !== b.negate || a.values.length !== b.values.length) return false;
      for (let i = 0; i < a.values.length; i++) if ((a.values[i] === null) !== (b.values[i] === null)) return false;
      return true;
    }
    case "null":
      return b.t === "null" && a.field.name === b.field.name && a.isNull === b.isNull;
    case "like":
      return b.t === "like" && a.field.name === b.field.name && a.caseInsensitive === b.caseInsensitive;
    case "regex":
    case "contains":
      return b.t === a.t && a.field.name === b.field.name;
  }
}

/** The bind values `filterShape` collects, without its key: pushed onto `values` in the compiler's order, with the same checks ($regex). */
export function filterValues(node: FilterNode, d: Dialect, values: unknown[]): void {
  switch (node.t) {
    case "const":
    case "null":
      return;
    case "and":
    case "or":
      for (let i = 0; i < node.items.length; i++) filterValues(node.items[i]!, d, values);
      return;
    case "not":
      filterValues(node.item, d, values);
      return;
    case "cmp":
      values.push(node.value === null ? null : d.encode(node.field, node.value));
      return;
    case "in":
      if (d.inList) {
        filterShape(node, d, values);
        return;
      }
      for (const v of node.values) values.push(v === null ? null : d.encode(node.field, v));
      return;
    case "like":
      values.push(node.pattern);
      return;
    case "regex":
      checkRegex(node, d);
      values.push(node.pattern);
      return;
    case "contains":
      values.push(node.field.kind === "json" ? d.encodeJsonElement(node.value) : `%${escapeLike(node.value as string)}%`);
      return;
  }
}

/** True when two ORDER BY lists have one shape (`orderShape`). */
export function sameOrder(a: readonly OrderTerm[], b: readonly OrderTerm[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.field.name !== b[i]!.field.name || a[i]!.direction !== b[i]!.direction) return false;
  return true;
}

/** True when two keyset cursors (of one ORDER BY) have one shape: the same NULL positions (`keysetShape`). */
export function sameKeyset(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] === null) !== (b[i] === null)) return false;
  return true;
}

/** Key part of an ORDER BY: each field and its direction. */
export function orderShape(terms: readonly OrderTerm[]): string {
  let key = "";
  for (const t of terms) key += `${t.direction === "desc" ? "-" : "+"}${t.field.name},`;
  return key;
}

/** Keyset cursor values pushed as `keysetFilter` binds them; the key marks which are NULL (they compile to IS NULL tests). */
export function keysetShape(terms: readonly OrderTerm[], after: readonly unknown[], d: Dialect, values: unknown[]): string {
  let key = "";
  for (let i = 0; i < terms.length; i++) {
    for (let j = 0; j < i; j++) {
      const v = after[j];
      if (v !== null) values.push(d.encode(terms[j]!.field, v));
    }
    const v = after[i];
    if (v !== null) values.push(d.encode(terms[i]!.field, v));
    key += v === null ? "N" : "?";
  }
  return key;
}

/** Most shapes one (dialect, model) keeps; past it the least recently used shape is dropped. */
export const SHAPES_PER_MODEL = 128;

/**
 * A bounded map of shape key -> compiled parts, least recently used out first. A hit costs one
 * counter store; the scan for the oldest entry runs only when a new shape arrives at a full cache.
 */
export class ShapeCache<T> {
  private readonly entries = new Map<string, { value: T; used: number }>();
  private clock = 0;
  constructor(readonly limit: number = SHAPES_PER_MODEL) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.clock;
    return entry.value;
  }

  set(key: string, value: T): void {
    if (!this.entries.has(key) && this.entries.size >= this.limit) {
      let oldestKey: string | undefined;
      let oldest = Number.POSITIVE_INFINITY;
      for (const [k, e] of this.entries)
        if (e.used < oldest) {
          oldest = e.used;
          oldestKey = k;
        }
      if (oldestKey !== undefined) this.entries.delete(oldestKey);
    }
    this.entries.set(key, { value, used: ++this.clock });
  }
}

/** Shapes per statement kind that `Recent` keeps for the structural check. */
export const RECENT_SHAPES = 4;

/**
 * The last few shapes of one statement kind of one (dialect, model), each with the operation part it
 * was compiled from (the probe). A run whose operation has the shape of a probe (`sameFilterShape`
 * and friends) takes its statement without building a key; the rest take the keyed `ShapeCache`.
 */
export class Recent<P, T> {
  readonly probes: P[] = [];
  readonly entries: T[] = [];

  remember(probe: P, entry: T): void {
    this.probes.unshift(probe);
    this.entries.unshift(entry);
    if (this.probes.length > RECENT_SHAPES) {
      this.probes.pop();
      this.entries.pop();
    }
  }
}

const caches = new WeakMap<Dialect, WeakMap<Model, ShapeCache<unknown>>>();

/** The shape cache of one (dialect, model): a model placed in another schema is another model, so another cache. */
export function shapesOf<T>(d: Dialect, model: Model): ShapeCache<T> {
  let perDialect = caches.get(d);
  if (!perDialect) caches.set(d, (perDialect = new WeakMap()));
  let cache = perDialect.get(model);
  if (!cache) perDialect.set(model, (cache = new ShapeCache()));
  return cache as ShapeCache<T>;
}
