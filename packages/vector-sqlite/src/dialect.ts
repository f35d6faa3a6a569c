import type { ModelField } from "@dataflow/kernel";
import type { Dialect } from "@dataflow/sql-core";
import { sqliteDialect } from "@dataflow/sql-sqlite";

/** A vector as sqlite-vec's compact form: little-endian float32 elements. */
export function encodeVector(value: unknown): Buffer {
  const v = value as readonly number[];
  const buffer = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) buffer.writeFloatLE(v[i]!, i * 4);
  return buffer;
}

export function decodeVector(value: unknown): number[] {
  if (typeof value === "string") return (JSON.parse(value) as number[]).map(Math.fround);
  const buffer = value as Buffer;
  const out = new Array<number>(buffer.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = buffer.readFloatLE(i * 4);
  return out;
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
