import { ValidationError } from "./errors.js";
import { quoteName, shortName } from "./names.js";
import { isPlainObject } from "./filter.js";

const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

/** Splits `"result.id"` into segments; rejects empty and prototype-reaching segments. */
export function parsePath(path: string, what: string): string[] {
  if (typeof path !== "string" || path.length === 0) throw new ValidationError(`${what} must be a non-empty dotted path`);
  const parts = path.split(".");
  for (const p of parts) {
    if (p.length === 0) throw new ValidationError(`${what} ${quoteName(path)} has an empty segment`);
    if (FORBIDDEN_SEGMENTS.has(p)) throw new ValidationError(`${what} ${quoteName(path)} uses the reserved segment '${p}'`);
  }
  return parts;
}

/** Reads an own property path; `undefined` when any step is missing. */
export function getPath(value: unknown, parts: readonly string[]): unknown {
  let current = value;
  for (const p of parts) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, p)) return undefined;
    current = (current as Record<string, unknown>)[p];
  }
  return current;
}

/** Returns a copy of `target` with `value` at the path; objects along the path are copied, not mutated. */
export function setPath(target: Record<string, unknown>, parts: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = parts as [string, ...string[]];
  const copy: Record<string, unknown> = { ...target };
  if (rest.length === 0) {
    copy[head] = value;
    return copy;
  }
  const child = copy[head];
  if (child !== undefined && !isPlainObject(child)) {
    throw new ValidationError(`Cannot set ${quoteName(parts.join("."))}: ${quoteName(head)} is not an object`, { field: shortName(head) });
  }
  copy[head] = setPath((child as Record<string, unknown> | undefined) ?? {}, rest, value);
  return copy;
}
