import type { RawSqlQuery } from "@dataflow/kernel/plugin";
import { SqlIdentifier, ValidationError } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";

/** `db.sql` parts -> one statement: `SqlIdentifier`s quoted by the dialect, every other value bound. */
export function compileRawSql(dialect: Dialect, query: RawSqlQuery): { text: string; params: unknown[] } {
  const { strings, values } = query;
  if (strings.length !== values.length + 1) throw new ValidationError("db.sql: malformed template", { field: "sql" });
  const params: unknown[] = [];
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof SqlIdentifier) text += value.parts.map((part) => dialect.quote(part)).join(".");
    else {
      params.push(value);
      text += dialect.placeholder(params.length);
    }
    text += strings[i + 1]!;
  }
  return { text, params };
}
