import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { postgresDialect } from "@dataflow/sql-postgres";
import type { Distance } from "@dataflow/vector-core";
import { HALF_PRECISION } from "./field.js";

export function vectorType(field: ModelField): "vector" | "halfvec" {
  return field.precision === HALF_PRECISION ? "halfvec" : "vector";
}

/**
 * pgvector prints the shortest text that reads back as the same float32; `Math.fround` recovers
 * exactly the stored element, so a stored float32-exact value reads back equal.
 */
function decodeVector(value: unknown): number[] {
  const parsed = (typeof value === "string" ? JSON.parse(value) : value) as number[];
  for (let i = 0; i < parsed.length; i++) parsed[i] = Math.fround(parsed[i]!);
  return parsed;
}

/** The PostgreSQL dialect with `halfvec` columns for half-precision vector fields. */
export const pgvectorDialect: Dialect = {
  ...postgresDialect,
  columnType(field: ModelField): string {
    if (field.kind === "vector") return `${vectorType(field)}(${field.dimensions ?? 0})`;
    return postgresDialect.columnType(field);
  },
  decoder(field: ModelField) {
    return field.kind === "vector" ? decodeVector : postgresDialect.decoder(field);
  },
};

export const DISTANCE_OPERATOR: Record<Distance, string> = { cosine: "<=>", l2: "<->", ip: "<#>" };
export const OPERATOR_CLASS: Record<Distance, string> = { cosine: "cosine_ops", l2: "l2_ops", ip: "ip_ops" };
