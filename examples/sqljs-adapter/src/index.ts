// A third-party DataFlow adapter: sql.js (SQLite compiled to WebAssembly) under the SQLite dialect of
// @dataflow/sql-sqlite, registered for `sqljs:` URLs.
import type { AdapterOptions } from "@dataflow/kernel/plugin";
import { defineSqlPlugin } from "@dataflow/sql-core";
import { SqlJsAdapter } from "./adapter.js";

export { SqlJsAdapter } from "./adapter.js";
export { sqljsFilename } from "./url.js";

/** `new DataFlow({ url: "sqljs:app.db", plugins: [sqljs] })`. */
export const sqljs = defineSqlPlugin({
  name: "@acme/dataflow-sqljs",
  adapters: [{ schemes: ["sqljs"], create: (url: string, options: AdapterOptions) => new SqlJsAdapter(url, options) }],
});

export default sqljs;
