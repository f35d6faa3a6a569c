// Results as JSON: bigint as a decimal string, Date as ISO 8601 (JSON.stringify's default), Buffers as base64.
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value;
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, replacer, indent);
}

/** A JSON-safe copy (what a client receives), for transports that take objects. */
export function toJsonValue<T = unknown>(value: unknown): T {
  return JSON.parse(toJson(value)) as T;
}
