/** Longest user-supplied name echoed whole in a message; longer ones are cut to a prefix and their length. */
export const MAX_QUOTED_NAME = 64;
const PREFIX = 32;

/**
 * A user-supplied name (field, node type, option, parameter...) as messages and error paths show
 * it: whole when short, else a prefix with the full length, so hostile input never makes a message
 * (or the work of building it) grow with its size.
 */
export function shortName(name: unknown): string {
  const text = typeof name === "string" ? name : typeof name === "symbol" ? name.toString() : String(name);
  return text.length <= MAX_QUOTED_NAME ? text : `${text.slice(0, PREFIX)}…(${text.length} characters)`;
}

/** `'name'`, cut like `shortName`. */
export function quoteName(name: unknown): string {
  return `'${shortName(name)}'`;
}
