import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { sqliteDialect } from "@dataflow/sql-sqlite";

/** A vector in sqlite-vec's compact form: float32 elements in the platform's (little-endian) byte order. */
export function encodeVector(value: unknown): Buffer {
  const floats = Float32Array.from(value as readonly number[]);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

export function decodeVector(value: unknown): number[] {
  if (typeof value === "string") return (JSON.parse(value) as number[]).map(Math.fround);
  const bytes = value as Uint8Array;
  // A copy: the driver's buffer need not be 4-byte aligned, which a Float32Array view requires.
  return Array.from(new Float32Array(bytes.slice().buffer, 0, bytes.length >> 2));
}

/**
 * The SQLite dialect with vectors stored as float32 BLOBs, the form sqlite-vec reads without
 * parsing (JSON text, the plain SQLite adapter's form, is still read). Elements are stored as
 * 32-bit floats, as pgvector stores them.
 */
export const sqliteVecDialect: Dialect = {
  ...sqliteDialect,
  columnType: (field: ModelField) => (field.kind === "vector" ? "BLOB" : sqliteDialect.columnType(field)),
  encode: (field, value) => (field.kind === "vector" ? encodeVector(value) : sqliteDialect.encode(field, value)),
  decoder: (field) => (field.kind === "vector" ? decodeVector : sqliteDialect.decoder(field)),
};
