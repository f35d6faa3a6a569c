import type { FilterNode, Model, ModelField, OrderTerm } from "@dataflow/kernel/plugin";
import { ValidationError } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";
import { escapeLike } from "./dialect.js";

/** Collects bind values and hands out the dialect's placeholders. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }

  field(field: ModelField, value: unknown): string {
    if (value === null) return this.add(null);
    const placeholder = this.add(this.dialect.encode(field, value));
    return this.dialect.parameter ? this.dialect.parameter(field, placeholder) : placeholder;
  }
}

export function columnList(dialect: Dialect, fields: readonly ModelField[]): string {
  return fields.map((f) => dialect.quote(f.name)).join(", ");
}

/** The field's column (or bound value) as it compares and sorts: the dialect's order key where it has one. */
function keyed(dialect: Dialect, field: ModelField, expression: string): string {
  return dialect.orderKey ? dialect.orderKey(field, expression) : expression;
}

/** The column side of an IN list. */
export function inListColumn(dialect: Dialect, field: ModelField): string {
  return keyed(dialect, field, dialect.quote(field.name));
}

/** Refuses a `$regex` pattern the database cannot run, before any SQL is sent. */
export function checkRegex(node: Extract<FilterNode, { t: "regex" }>, dialect: Dialect): void {
  const problem = dialect.regexError?.(node.pattern);
  if (problem === undefined) return;
  const at = node.path ?? node.field.name;
  throw new ValidationError(`'${at}' is not a regular expression ${dialect.name} can run: ${problem}`, {
    field: at,
    fix: `See the ${dialect.name} adapter's README for the regex syntax it accepts`,
  });
}

/** Filter AST -> SQL boolean expression. Identifiers come from the model (already validated); values are bound. */
export function compileFilter(node: FilterNode, dialect: Dialect, params: Params): string {
  switch (node.t) {
    case "const":
      return node.value ? "1 = 1" : "1 = 0";
    case "and":
    case "or":
      return `(${node.items.map((n) => compileFilter(n, dialect, params)).join(node.t === "and" ? " AND " : " OR ")})`;
    case "not":
      return `NOT (${compileFilter(node.item, dialect, params)})`;
    case "cmp": {
      const column = keyed(dialect, node.field, dialect.quote(node.field.name));
      return `${column} ${node.op} ${keyed(dialect, node.field, params.field(node.field, node.value))}`;
    }
    case "in": {
      const column = inListColumn(dialect, node.field);
      if (dialect.inList) {
        const encoded = node.values.map((v) => dialect.encode(node.field, v));
        return dialect.inList(column, node.field, encoded, node.negate, (v) => params.add(v));
      }
      const list = node.values.map((v) => keyed(dialect, node.field, params.field(node.field, v))).join(", ");
      return `${column} ${node.negate ? "NOT IN" : "IN"} (${list})`;
    }
    case "null":
      return `${dialect.quote(node.field.name)} IS ${node.isNull ? "" : "NOT "}NULL`;
    case "like":
      return dialect.like(dialect.quote(node.field.name), params.add(node.pattern), node.caseInsensitive);
    case "regex":
      checkRegex(node, dialect);
      return dialect.regex(dialect.quote(node.field.name), params.add(node.pattern));
    case "contains": {
      const column = dialect.quote(node.field.name);
      if (node.field.kind === "json") return dialect.jsonContains(column, params.add(dialect.encodeJsonElement(node.value)));
      return dialect.like(column, params.add(`%${escapeLike(node.value as string)}%`), false);
    }
  }
}

export function whereClause(node: FilterNode, dialect: Dialect, params: Params): string {
  if (node.t === "const" && node.value) return "";
  return ` WHERE ${compileFilter(node, dialect, params)}`;
}

/**
 * ORDER BY with one NULL order on every database: NULLs sort after every value
 * (last when ascending, first when descending).
 */
export function orderByClause(terms: readonly OrderTerm[], dialect: Dialect): string {
  if (terms.length === 0) return "";
  const parts: string[] = [];
  for (const t of terms) {
    const column = dialect.quote(t.field.name);
    const dir = t.direction === "desc" ? "DESC" : "ASC";
    if (t.field.nullable) parts.push(`(CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END) ${dir}`);
    parts.push(`${keyed(dialect, t.field, column)} ${dir}`);
  }
  return ` ORDER BY ${parts.join(", ")}`;
}

/** Rows strictly after the cursor row in the given order (NULL is larger than every value). */
export function keysetFilter(terms: readonly OrderTerm[], values: readonly unknown[], dialect: Dialect, params: Params): string {
  const branches: string[] = [];
  for (let i = 0; i < terms.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      const earlier = terms[j]!.field;
      const column = dialect.quote(earlier.name);
      const v = values[j];
      parts.push(v === null ? `${column} IS NULL` : `${keyed(dialect, earlier, column)} = ${keyed(dialect, earlier, params.field(earlier, v))}`);
    }
    const { field, direction } = terms[i]!;
    const column = dialect.quote(field.name);
    const key = keyed(dialect, field, column);
    const v = values[i];
    let beyond: string;
    if (direction === "asc")
      beyond = v === null ? "1 = 0" : `(${key} > ${keyed(dialect, field, params.field(field, v))}${field.nullable ? ` OR ${column} IS NULL` : ""})`;
    else beyond = v === null ? `${column} IS NOT NULL` : `${key} < ${keyed(dialect, field, params.field(field, v))}`;
    parts.push(beyond);
    branches.push(`(${parts.join(" AND ")})`);
  }
  return `(${branches.join(" OR ")})`;
}

/** True when the filter pins the primary key (`id = ?` alone or AND-ed), so it matches at most one row. */
export function pinsPrimaryKey(node: FilterNode, model: Model): boolean {
  if (node.t === "cmp") return node.field.primaryKey && node.op === "=";
  if (node.t === "and") return node.items.some((n) => pinsPrimaryKey(n, model));
  return false;
}
