import type { ComparisonOp, FilterNode, ModelField } from "@dataflow/kernel/plugin";
import type { Document } from "mongodb";
import { toBson } from "./codec.js";
import { refuseOperators } from "./safety.js";

/** Where a model field lives in the document: the primary key is `_id`. */
export type FieldPath = (field: ModelField) => string;

const CMP: Record<ComparisonOp, string> = { "=": "$eq", "<>": "$ne", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte" };
const NEGATED: Record<ComparisonOp, ComparisonOp> = { "=": "<>", "<>": "=", ">": "<=", ">=": "<", "<": ">=", "<=": ">" };
const MATCH_NOTHING: Document = { _id: { $in: [] } };

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** SQL LIKE (`%`, `_`, backslash escapes) as an anchored regular expression. */
export function likeToRegex(pattern: string): string {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length) out += regexEscape(pattern[++i]!);
    else if (ch === "%") out += "[\\s\\S]*";
    else if (ch === "_") out += "[\\s\\S]";
    else out += regexEscape(ch);
  }
  return `${out}$`;
}

function and(items: Document[]): Document {
  if (items.length === 0) return {};
  return items.length === 1 ? items[0]! : { $and: items };
}

function or(items: Document[]): Document {
  if (items.length === 0) return MATCH_NOTHING;
  return items.length === 1 ? items[0]! : { $or: items };
}

/**
 * Compiles DataFlow's filter tree to MQL with SQL's three-valued logic: a comparison with a null or
 * missing field is never true, not even under `$not` (negations are pushed down to the leaves, and
 * a negated comparison still requires the field to be present and not null).
 */
export function compileFilter(node: FilterNode, path: FieldPath): Document {
  return compile(node, false, path);
}

/** A filter value as BSON; a JSON value with `$` keys is refused (operator injection). */
function literal(field: ModelField, value: unknown): unknown {
  if (field.kind === "json") refuseOperators(value, `filter.${field.name}`);
  return toBson(field, value);
}

function present(p: string): Document {
  return { [p]: { $ne: null } };
}

function compile(node: FilterNode, negate: boolean, path: FieldPath): Document {
  switch (node.t) {
    case "const":
      return node.value !== negate ? {} : MATCH_NOTHING;
    case "and":
      return negate ? or(node.items.map((n) => compile(n, true, path))) : and(node.items.map((n) => compile(n, false, path)));
    case "or":
      return negate ? and(node.items.map((n) => compile(n, true, path))) : or(node.items.map((n) => compile(n, false, path)));
    case "not":
      return compile(node.item, !negate, path);
    case "null": {
      const p = path(node.field);
      return node.isNull !== negate ? { [p]: null } : present(p);
    }
    case "cmp": {
      const p = path(node.field);
      if (node.value === null) {
        // `= null` / `<> null` are IS NULL / IS NOT NULL (the kernel's reading of `{ qty: null }`).
        const isNull = (node.op === "=") !== negate;
        return isNull ? { [p]: null } : present(p);
      }
      const op = negate ? NEGATED[node.op] : node.op;
      const value = literal(node.field, node.value);
      if (op === "=") return { [p]: value };
      if (op === "<>") return { [p]: { $ne: value, $exists: true, $nin: [null] } };
      return { [p]: { [CMP[op]]: value } };
    }
    case "in": {
      const p = path(node.field);
      const values = node.values.map((v) => literal(node.field, v));
      const excluded = node.negate !== negate;
      return excluded ? { [p]: { $nin: [...values, null] } } : { [p]: { $in: values } };
    }
    case "like": {
      const p = path(node.field);
      const match = { $regex: likeToRegex(node.pattern), ...(node.caseInsensitive ? { $options: "i" } : {}) };
      return negate ? { [p]: { $not: match, $ne: null } } : { [p]: match };
    }
    case "regex": {
      const p = path(node.field);
      return negate ? { [p]: { $not: { $regex: node.pattern }, $ne: null } } : { [p]: { $regex: node.pattern } };
    }
    case "contains": {
      const p = path(node.field);
      // Text: a literal substring; JSON arrays: an element equal to the value (MQL's array match).
      const match: Document = node.field.kind === "json" ? { [p]: literal(node.field, node.value) } : { [p]: { $regex: regexEscape(String(node.value)) } };
      if (!negate) return match;
      const [[key, cond]] = Object.entries(match) as [[string, unknown]];
      return node.field.kind === "json" ? { [key]: { $ne: cond, $exists: true, $nin: [null] } } : { [key]: { $not: cond, $ne: null } };
    }
  }
}
