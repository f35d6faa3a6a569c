/**
 * Copies the own enumerable properties of an options object into a null-prototype object, so that
 * nothing inherited (a polluted `Object.prototype.url`, `.all`, ...) is ever read as an option.
 */
export function ownProperties(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

/** Own property `key` of `value`, or undefined: never an inherited one. */
export function own(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Own property `key` of an object, or undefined: `own` for hot paths, where most keys are absent.
 * The plain load comes first, so an absent key costs no `Object.hasOwn` call.
 */
export function ownValue(value: object, key: string): unknown {
  const found = (value as Record<string, unknown>)[key];
  return found !== undefined && Object.hasOwn(value, key) ? found : undefined;
}

/**
 * For `for...in` loops over own keys: `hasOwnProperty.call(object, key)` with the loop's object and key, which
 * V8 answers from the loop's enum cache (about twice as fast there as `Object.hasOwn`, which it does not).
 * Taken once at load: a later change to `Object.prototype.hasOwnProperty` does not reach it.
 */
export const hasOwnProperty: (this: object, key: PropertyKey) => boolean = Object.prototype.hasOwnProperty;
