import { ValidationError } from "./errors.js";
import { quoteName, shortName } from "./names.js";
import type { Model, ModelField } from "./model.js";
import { hasOwnProperty } from "./own.js";
import { didYouMean } from "./suggest.js";
import { assertPortableText, validateValue } from "./values.js";

export type ComparisonOp = "=" | "<>" | ">" | ">=" | "<" | "<=";

/** The parsed, validated filter. Values are canonical JS values for their field. */
export type FilterNode =
  | { readonly t: "and"; readonly items: readonly FilterNode[] }
  | { readonly t: "or"; readonly items: readonly FilterNode[] }
  | { readonly t: "not"; readonly item: FilterNode }
  | { readonly t: "cmp"; readonly field: ModelField; readonly op: ComparisonOp; readonly value: unknown }
  | { readonly t: "in"; readonly field: ModelField; readonly values: readonly unknown[]; readonly negate: boolean }
  | { readonly t: "null"; readonly field: ModelField; readonly isNull: boolean }
  | { readonly t: "like"; readonly field: ModelField; readonly pattern: string; readonly caseInsensitive: boolean }
  | {
      readonly t: "regex";
      readonly field: ModelField;
      readonly pattern: string /** Where the pattern was given, e.g. `filter.name.$regex`. */;
      readonly path?: string;
    }
  | { readonly t: "contains"; readonly field: ModelField; readonly value: unknown }
  | { readonly t: "const"; readonly value: boolean };

export const FILTER_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$like",
  "$ilike",
  "$regex",
  "$contains",
  "$null",
  "$exists",
  "$not",
] as const;
const LOGICAL = ["$and", "$or", "$not"] as const;
const OPERATOR_SET = new Set<string>(FILTER_OPERATORS);
const TEXT_KINDS = new Set(["string", "text", "uuid", "enum"]);
const ORDERED_KINDS = new Set(["string", "text", "int", "bigint", "float", "decimal", "datetime", "date", "uuid", "enum"]);
const CMP: Record<string, ComparisonOp> = { $eq: "=", $ne: "<>", $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

export const MAX_FILTER_DEPTH = 32;
export const MAX_FILTER_NODES = 10_000;
export const MAX_IN_VALUES = 100_000;

export interface ParsedFilter {
  readonly ast: FilterNode;
  /** Structure without values: equal shapes compile to the same SQL. */
  readonly shape: string;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

class FilterParser {
  private nodes = 0;

  constructor(private readonly model: Model) {}

  parse(filter: unknown, path: string): FilterNode {
    return this.group(filter, path, 0);
  }

  private count(path: string, depth: number): void {
    if (++this.nodes > MAX_FILTER_NODES) {
      throw new ValidationError(`'${path}': the filter has more than ${MAX_FILTER_NODES} conditions`, { field: path });
    }
    if (depth > MAX_FILTER_DEPTH) {
      throw new ValidationError(`'${path}': the filter is nested more than ${MAX_FILTER_DEPTH} levels deep`, { field: path });
    }
  }

  private group(filter: unknown, path: string, depth: number): FilterNode {
    this.count(path, depth);
    if (!isPlainObject(filter)) {
      throw new ValidationError(`'${path}' must be a plain object such as { name: "Ann" }`, { field: path });
    }
    const keys = Object.keys(filter);
    const items: FilterNode[] = [];
    for (const key of keys) {
      const value = filter[key];
      const at = `${path}.${shortName(key)}`;
      if (key.startsWith("$")) items.push(this.logical(key, value, at, depth));
      else items.push(this.fieldCondition(key, value, at, depth));
    }
    if (items.length === 0) return { t: "const", value: true };
    return items.length === 1 ? items[0]! : { t: "and", items };
  }

  private logical(key: string, value: unknown, path: string, depth: number): FilterNode {
    if (key === "$not") return { t: "not", item: this.group(value, path, depth + 1) };
    if (key !== "$and" && key !== "$or") {
      const hint = OPERATOR_SET.has(key) ? ` ${key} applies to a field: { field: { ${key}: ... } }.` : "";
      throw new ValidationError(`Unknown logical operator ${quoteName(key)} at '${path}'.${hint} ${didYouMean(key, LOGICAL)}`.trim(), {
        field: path,
      });
    }
    if (!Array.isArray(value)) {
      throw new ValidationError(`'${path}' must be an array of filters`, { field: path });
    }
    if (value.length === 0) return { t: "const", value: key === "$and" };
    return { t: key === "$and" ? "and" : "or", items: value.map((v, i) => this.group(v, `${path}[${i}]`, depth + 1)) };
  }

  private fieldOf(name: string, path: string): ModelField {
    const f = this.model.field(name);
    if (!f) {
      throw new ValidationError(
        `Unknown field ${quoteName(name)} in '${path}' for model ${this.model.name}. ${didYouMean(name, this.model.fieldNames)}`.trim(),
        { field: path },
      );
    }
    return f;
  }

  private fieldCondition(name: string, value: unknown, path: string, depth: number): FilterNode {
    const field = this.fieldOf(name, path);
    if (value === undefined) {
      throw new ValidationError(`'${path}' is undefined; undefined never means "no condition"`, {
        field: path,
        fix: "Remove the key, or use null to match NULL",
      });
    }
    if (isPlainObject(value)) return this.operators(field, value, path, depth);
    if (value === null) return { t: "null", field, isNull: true };
    if (Array.isArray(value) && field.kind !== "vector") {
      throw new ValidationError(`'${path}' is an array; use { $in: [...] } to match one of several values`, { field: path });
    }
    return this.compare(field, "$eq", value, path);
  }

  private operators(field: ModelField, ops: Record<string, unknown>, path: string, depth: number): FilterNode {
    const keys = Object.keys(ops);
    if (keys.length === 0) throw new ValidationError(`'${path}' is an empty operator object`, { field: path });
    const items: FilterNode[] = [];
    for (const op of keys) {
      const at = `${path}.${shortName(op)}`;
      this.count(at, depth + 1);
      if (!OPERATOR_SET.has(op)) {
        const hint = op.startsWith("$") ? didYouMean(op, FILTER_OPERATORS) : `Operators start with '$'; to match a JSON value use { $contains: ... }.`;
        throw new ValidationError(`Unknown operator ${quoteName(op)} at '${path}'. ${hint}`.trim(), { field: at });
      }
      items.push(this.operator(field, op, ops[op], at, depth));
    }
    return items.length === 1 ? items[0]! : { t: "and", items };
  }

  private operator(field: ModelField, op: string, operand: unknown, path: string, depth: number): FilterNode {
    if (operand === undefined) {
      throw new ValidationError(`'${path}' is undefined`, { field: path, fix: "Remove the operator or give it a value" });
    }
    switch (op) {
      case "$eq":
      case "$ne":
        if (operand === null) return { t: "null", field, isNull: op === "$eq" };
        return this.compare(field, op, operand, path);
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte":
        if (!ORDERED_KINDS.has(field.kind)) {
          throw new ValidationError(`'${path}': ${op} does not apply to ${field.kind} field '${field.name}'`, { field: path });
        }
        return this.compare(field, op, operand, path);
      case "$in":
      case "$nin": {
        if (!Array.isArray(operand)) throw new ValidationError(`'${path}' must be an array`, { field: path });
        if (operand.length > MAX_IN_VALUES) {
          throw new ValidationError(`'${path}' has ${operand.length} values; at most ${MAX_IN_VALUES}`, { field: path });
        }
        if (operand.length === 0) return { t: "const", value: op === "$nin" };
        const values = operand.map((v, i) => {
          if (v === null) {
            throw new ValidationError(`'${path}[${i}]' is null; NULL never equals anything`, {
              field: path,
              fix: "Match NULL with { $or: [{ field: { $in: [...] } }, { field: null }] }",
            });
          }
          return this.value(field, v, `${path}[${i}]`);
        });
        return { t: "in", field, values, negate: op === "$nin" };
      }
      case "$like":
      case "$ilike":
      case "$regex":
        if (!TEXT_KINDS.has(field.kind)) {
          throw new ValidationError(`'${path}': ${op} applies to text fields, and '${field.name}' is ${field.kind}`, { field: path });
        }
        if (typeof operand !== "string") throw new ValidationError(`'${path}' must be a string pattern`, { field: path });
        assertPortableText(path, operand);
        if (op === "$regex") {
          try {
            new RegExp(operand);
          } catch {
            throw new ValidationError(`'${path}' is not a valid regular expression`, { field: path });
          }
          return { t: "regex", field, pattern: operand, path };
        }
        return { t: "like", field, pattern: operand, caseInsensitive: op === "$ilike" };
      case "$contains":
        if (field.kind === "json") {
          if (!["string", "number", "boolean"].includes(typeof operand) || (typeof operand === "number" && !Number.isFinite(operand))) {
            throw new ValidationError(`'${path}': $contains on a JSON field takes a string, number or boolean element`, {
              field: path,
            });
          }
          if (typeof operand === "string") assertPortableText(path, operand);
          return { t: "contains", field, value: operand };
        }
        if (field.kind === "string" || field.kind === "text") {
          if (typeof operand !== "string") throw new ValidationError(`'${path}' must be a string`, { field: path });
          return { t: "contains", field, value: this.value(field, operand, path) };
        }
        throw new ValidationError(`'${path}': $contains applies to text and JSON fields`, { field: path });
      case "$null":
      case "$exists":
        if (typeof operand !== "boolean") throw new ValidationError(`'${path}' must be true or false`, { field: path });
        return { t: "null", field, isNull: op === "$null" ? operand : !operand };
      case "$not": {
        if (!isPlainObject(operand)) {
          throw new ValidationError(`'${path}' must be an operator object such as { $gt: 5 }`, { field: path });
        }
        return { t: "not", item: this.operators(field, operand, path, depth + 1) };
      }
    }
    throw new ValidationError(`Unknown operator '${op}' at '${path}'`, { field: path });
  }

  private value(field: ModelField, value: unknown, path: string): unknown {
    if (field.kind === "json") {
      throw new ValidationError(`'${path}': JSON field '${field.name}' can be matched with $contains or $null only`, {
        field: path,
      });
    }
    return validateValue(filterValueField(field), value, path);
  }

  private compare(field: ModelField, op: string, value: unknown, path: string): FilterNode {
    if (isPlainObject(value) || Array.isArray(value)) {
      throw new ValidationError(`'${path}' must be a single value, not an object or array`, { field: path });
    }
    return { t: "cmp", field, op: CMP[op]!, value: this.value(field, value, path) };
  }
}

/** Per field: the field that filter values are checked against (never null, no length limit), made once. */
const FILTER_VALUE_FIELDS = new WeakMap<ModelField, ModelField>();

function filterValueField(field: ModelField): ModelField {
  let checked = FILTER_VALUE_FIELDS.get(field);
  if (checked === undefined) {
    checked = { ...field, nullable: false, maxLength: undefined };
    FILTER_VALUE_FIELDS.set(field, checked);
  }
  return checked;
}

/**
 * The AST of a filter that is only `{ field: value, ... }` with strings, numbers, booleans or bigints as
 * values: what the parser gives for it, without its error paths and per-key arrays. Undefined for
 * anything else, a value that fails its check included: the parser then parses it and raises its error.
 */
function equalityAst(model: Model, filter: Record<string, unknown>): FilterNode | undefined {
  let first: FilterNode | undefined;
  let items: FilterNode[] | undefined;
  for (const key in filter) {
    if (!hasOwnProperty.call(filter, key)) continue;
    const value = filter[key];
    const type = typeof value;
    if (type !== "string" && type !== "number" && type !== "boolean" && type !== "bigint") return undefined;
    const field = model.field(key);
    if (field === undefined || field.kind === "json") return undefined;
    let checked: unknown;
    try {
      checked = validateValue(filterValueField(field), value, key);
    } catch {
      return undefined;
    }
    const node: FilterNode = { t: "cmp", field, op: "=", value: checked };
    if (first === undefined) first = node;
    else if (items === undefined) items = [first, node];
    else items.push(node);
  }
  if (first === undefined) return { t: "const", value: true };
  return items === undefined ? first : { t: "and", items };
}

/** The validated AST of a filter (see {@link parseFilter}), without its shape. Raises `ValidationError` before any I/O. */
export function filterAst(model: Model, filter: unknown, path = "filter"): FilterNode {
  if (isPlainObject(filter)) {
    const simple = equalityAst(model, filter);
    if (simple !== undefined) return simple;
  }
  return new FilterParser(model).parse(filter, path);
}

/** Parses and validates a filter against a model. Raises `ValidationError` before any I/O. */
export function parseFilter(model: Model, filter: unknown, path = "filter"): ParsedFilter {
  const ast = filterAst(model, filter, path);
  return { ast, shape: filterShape(ast) };
}

/** A string that is equal for two filters exactly when they compile to the same SQL text. */
export function filterShape(node: FilterNode): string {
  switch (node.t) {
    case "and":
    case "or":
      return `${node.t}(${node.items.map(filterShape).join(",")})`;
    case "not":
      return `not(${filterShape(node.item)})`;
    case "cmp":
      return `${node.field.name}${node.op}`;
    case "in":
      return `${node.field.name}${node.negate ? "!" : ""}in${node.values.length}`;
    case "null":
      return `${node.field.name}${node.isNull ? "=" : "!"}null`;
    case "like":
      return `${node.field.name}${node.caseInsensitive ? "ilike" : "like"}`;
    case "regex":
      return `${node.field.name}~`;
    case "contains":
      return `${node.field.name}@>`;
    case "const":
      return node.value ? "T" : "F";
  }
}

/** `{ t: "and" }` of the non-trivial parts. */
export function andFilters(...parts: Array<FilterNode | undefined>): FilterNode {
  if (parts.length === 2 && parts[1] === undefined && parts[0] !== undefined) return parts[0];
  const items = parts.filter((p): p is FilterNode => p !== undefined && !(p.t === "const" && p.value));
  if (items.length === 0) return { t: "const", value: true };
  return items.length === 1 ? items[0]! : { t: "and", items };
}

/**
 * The filter with constant parts folded: `$and` drops `true` children and is `false` with a `false`
 * one (`$and: []` and `{}` are `true`), `$or` the reverse (`$or: []` is `false`), `$not` of a
 * constant flips it and `$not` of `$not` cancels. What remains has no constant below the root.
 */
export function simplifyFilter(node: FilterNode): FilterNode {
  switch (node.t) {
    case "and":
    case "or": {
      const absorbing = node.t === "or";
      const items: FilterNode[] = [];
      for (const child of node.items) {
        const s = simplifyFilter(child);
        if (s.t === "const") {
          if (s.value === absorbing) return s;
          continue;
        }
        items.push(s);
      }
      if (items.length === 0) return { t: "const", value: !absorbing };
      if (items.length === 1) return items[0]!;
      return items.length === node.items.length && items.every((it, i) => it === node.items[i]) ? node : { t: node.t, items };
    }
    case "not": {
      const s = simplifyFilter(node.item);
      if (s.t === "const") return { t: "const", value: !s.value };
      if (s.t === "not") return s.item;
      return s === node.item ? node : { t: "not", item: s };
    }
    default:
      return node;
  }
}

/** True when the filter matches every row once normalized (`{}`, `{ $or: [{}] }`, `{ $not: { $or: [] } }`, ...). */
export function isEmptyFilter(ast: FilterNode): boolean {
  const s = simplifyFilter(ast);
  return s.t === "const" && s.value;
}

export interface OrderTerm {
  readonly field: ModelField;
  readonly direction: "asc" | "desc";
}

/** `"name"`, `"-created_at"`, `["-age", "name"]` or `{ age: "desc" }`. */
export function parseOrderBy(model: Model, orderBy: unknown, path = "orderBy"): OrderTerm[] {
  const terms: OrderTerm[] = [];
  const add = (name: string, direction: "asc" | "desc", at: string) => {
    const field = model.field(name);
    if (!field) {
      throw new ValidationError(`Unknown field ${quoteName(name)} in '${at}' for model ${model.name}. ${didYouMean(name, model.fieldNames)}`.trim(), {
        field: at,
      });
    }
    if (field.kind === "json" || field.kind === "vector") {
      throw new ValidationError(`'${at}': cannot order by ${field.kind} field '${name}'`, { field: at });
    }
    if (terms.some((t) => t.field.name === name)) throw new ValidationError(`'${at}': '${name}' appears twice`, { field: at });
    terms.push({ field, direction });
  };
  const fromString = (s: unknown, at: string) => {
    if (typeof s !== "string" || s.length === 0) throw new ValidationError(`'${at}' must be a field name such as "-created_at"`, { field: at });
    if (s.startsWith("-")) add(s.slice(1), "desc", at);
    else add(s.startsWith("+") ? s.slice(1) : s, "asc", at);
  };
  if (typeof orderBy === "string") fromString(orderBy, path);
  else if (Array.isArray(orderBy)) orderBy.forEach((s, i) => fromString(s, `${path}[${i}]`));
  else if (isPlainObject(orderBy)) {
    for (const key of Object.keys(orderBy)) {
      const dir = orderBy[key];
      const at = `${path}.${shortName(key)}`;
      if (dir === "asc" || dir === 1) add(key, "asc", at);
      else if (dir === "desc" || dir === -1) add(key, "desc", at);
      else throw new ValidationError(`'${at}' must be "asc" or "desc"`, { field: at });
    }
  } else {
    throw new ValidationError(`'${path}' must be a string, an array of strings or { field: "asc" | "desc" }`, { field: path });
  }
  return terms;
}
