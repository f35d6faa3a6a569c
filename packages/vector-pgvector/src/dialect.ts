import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { postgresDialect } from "@dataflow/sql-postgres";
import type { Distance } from "@dataflow/vector-core";
import { HALF_PRECISION } from "./field.js";

export function vectorType(field: ModelField): "vector" | "halfvec" {
  return field.precision === HALF_PRECISION ? "halfvec" : "vector";
}

/**
 * A vector column value as number[]. Text (`[1,2.5,3]`, how List/Read receive it): pgvector prints
 * the shortest text that reads back as the same float32, so `Math.fround` recovers exactly the
 * stored element. Bytes (`vector_send`/`halfvec_send`, how the search statements read it): a
 * big-endian int16 dimension count, an unused int16, then float32 (vector) or float16 (halfvec)
 * elements, exact without any number parsing.
 */
function decodeVector(value: unknown): number[] {
  if (value instanceof Uint8Array) return fromBinary(value);
  const parsed = (typeof value === "string" ? JSON.parse(value) : value) as number[];
  for (let i = 0; i < parsed.length; i++) parsed[i] = Math.fround(parsed[i]!);
  return parsed;
}

function fromBinary(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = view.getUint16(0);
  const out = new Array<number>(dims);
  if (bytes.byteLength === 4 + 4 * dims) {
    for (let i = 0; i < dims; i++) out[i] = view.getFloat32(4 + 4 * i);
  } else {
    for (let i = 0; i < dims; i++) out[i] = halfToNumber(view.getUint16(4 + 2 * i));
  }
  return out;
}

/** An IEEE 754 binary16 value (its bits) as a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let scratch = new Float32Array(1024);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A query vector as a bound parameter in pgvector's binary input form (what `vector_recv` reads:
 * int16 dimensions, int16 unused, big-endian float32 elements). node-postgres sends a Buffer
 * parameter in binary format, so neither side prints or parses decimal text. The elements are
 * rounded to float32 in a scratch array, copied, and put in network order natively (`swap32`).
 */
export function vectorParameter(vector: readonly number[]): Buffer {
  const n = vector.length;
  if (scratch.length < n) scratch = new Float32Array(n);
  for (let i = 0; i < n; i++) scratch[i] = vector[i]!;
  const bytes = Buffer.allocUnsafe(4 + 4 * n);
  bytes.set(new Uint8Array(scratch.buffer, 0, 4 * n), 4);
  if (LITTLE_ENDIAN) bytes.subarray(4).swap32();
  bytes[0] = n >> 8;
  bytes[1] = n & 0xff;
  bytes[2] = 0;
  bytes[3] = 0;
  return bytes;
}

/** SQL for a bound query vector (see `vectorParameter`) as the field's column type. */
export function vectorArgument(placeholder: string, field: ModelField): string {
  return vectorType(field) === "vector" ? `${placeholder}::vector` : `${placeholder}::vector::halfvec`;
}

/**
 * The select-list entry of a field in the search statements: vector columns in their binary form
 * (`vector_send`), which is cheaper for the server to print and for the client to read than text.
 */
export function searchColumn(dialect: Dialect, field: ModelField): string {
  const column = dialect.quote(field.name);
  return field.kind === "vector" ? `${vectorType(field)}_send(${column}) AS ${column}` : column;
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
