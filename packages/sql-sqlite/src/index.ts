import { defineSqlPlugin } from "@dataflow/sql-core";
import type { SqliteAdapterOptions } from "./adapter.js";
import { SqliteAdapter } from "./adapter.js";

export { SqliteAdapter } from "./adapter.js";
export type { SqliteAdapterOptions } from "./adapter.js";
export { sqliteDialect, sqliteFunctions } from "./dialect.js";
export { sqliteFilename } from "./url.js";

/** The SQLite plugin: `sqlite:` URLs. DataFlow loads it on its own for the zero-config default. */
const sqlite = defineSqlPlugin({
  name: "@dataflow/sql-sqlite",
  adapters: [{ schemes: ["sqlite"], create: (url, options) => new SqliteAdapter(url, options as SqliteAdapterOptions) }],
});

export default sqlite;
