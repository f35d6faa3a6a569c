/** SQL text compiled once per node shape (model, operation, columns, filter structure). */
export interface StatementCache {
  get(key: string): string | undefined;
  set(key: string, text: string): string;
  readonly size: number;
}

/** A bounded map: the oldest entry goes when it is full. */
export function createStatementCache(max = 2000): StatementCache {
  const map = new Map<string, string>();
  return {
    get: (key) => map.get(key),
    set(key, text) {
      if (map.size >= max) map.delete(map.keys().next().value!);
      map.set(key, text);
      return text;
    },
    get size() {
      return map.size;
    },
  };
}
