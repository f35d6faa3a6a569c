// Results as JSON: bigint as a decimal string, Date as ISO 8601 (JSON.stringify's default).
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function toJson(value: unknown, indent?: number): string {
  // Most results hold no bigint: the plain stringify is much faster than one with a replacer.
  try {
    return JSON.stringify(value, undefined, indent);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, replacer, indent);
  }
}

/** A JSON-safe copy (what a client receives), for transports that take objects. */
export function toJsonValue<T = unknown>(value: unknown): T {
  return JSON.parse(toJson(value)) as T;
}
