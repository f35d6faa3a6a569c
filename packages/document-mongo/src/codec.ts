import type { ModelField } from "@dataflow/kernel/plugin";
import { Decimal128, Long } from "mongodb";

/**
 * A canonical model value (what the kernel's validation produces) as stored in MongoDB:
 * bigint -> Int64, decimal -> Decimal128, datetime -> Date; the rest as is.
 */
export function toBson(field: ModelField, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.kind) {
    case "bigint":
      return Long.fromBigInt(value as bigint);
    case "decimal":
      return Decimal128.fromString(value as string);
    default:
      return value;
  }
}
