import type { Model } from "@dataflow/kernel/plugin";

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}

/**
 * Unique keys other than the conflict target that an insert of these columns could collide with.
 * ON DUPLICATE KEY UPDATE fires on any of them, whereas ON CONFLICT (target) reports them as
 * violations; the upsert paths guard against those collisions.
 */
export function otherUniqueKeys(model: Model, target: readonly string[], columns: ReadonlySet<string>): string[][] {
  const keys: string[][] = [];
  if (columns.has(model.primaryKey.name)) keys.push([model.primaryKey.name]);
  for (const index of model.indexes) if (index.unique) keys.push([...index.fields]);
  return keys.filter((key) => !sameFields(key, target) && key.every((f) => columns.has(f)));
}
