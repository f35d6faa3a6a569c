import type { ModelField } from "@dataflow/kernel/plugin";

// How a bulk path that builds statement text (COPY text, INSERT literals) writes a field's values:
// numbers and booleans directly, text with the dialect's escaping only, instants through the
// dialect's instant format, anything else through `Dialect.encode`.
export const WRITE_NUMBER = 0;
export const WRITE_BOOLEAN = 1;
export const WRITE_TEXT = 2;
export const WRITE_INSTANT = 3;
export const WRITE_ENCODED = 4;

/** The writer of a field's values, resolved once per statement shape, not per value. */
export function textWriterOf(field: ModelField): number {
  switch (field.kind) {
    case "int":
    case "float":
      return WRITE_NUMBER;
    case "boolean":
      return WRITE_BOOLEAN;
    case "string":
    case "text":
    case "enum":
      return WRITE_TEXT;
    case "datetime":
      return WRITE_INSTANT;
    default:
      return WRITE_ENCODED;
  }
}
