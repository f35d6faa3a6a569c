import { ValidationError } from "@dataflow/kernel/plugin";

export const MAX_COLLECTION_NAME_LENGTH = 120;
const DATABASE_FORBIDDEN = /[/\\. "$*<>:|?\0]/;

/** A collection name MongoDB accepts and DataFlow allows: no `$`, no NUL, not a `system.` collection. */
export function checkCollectionName(name: unknown, field = "collection"): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new ValidationError(`'${field}' must be a non-empty string naming a collection`, { field, fix: 'Give a name such as "users"' });
  }
  if (name.length > MAX_COLLECTION_NAME_LENGTH) {
    throw new ValidationError(`'${field}' is longer than ${MAX_COLLECTION_NAME_LENGTH} characters`, { field });
  }
  if (name.includes("$") || name.includes("\0") || name.startsWith(".") || name.endsWith(".") || name.startsWith("system.")) {
    throw new ValidationError(`'${field}' is not a usable collection name`, {
      field,
      fix: "Use letters, digits, '_', '-' and inner dots; no '$', no NUL, not starting with 'system.'",
    });
  }
  return name;
}

export function checkDatabaseName(name: unknown, field = "database"): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 63 || DATABASE_FORBIDDEN.test(name)) {
    throw new ValidationError(`'${field}' is not a usable MongoDB database name`, {
      field,
      fix: 'Use at most 63 characters without / \\ . space " $ * < > : | ? or NUL',
    });
  }
  return name;
}
