// A third-party DataFlow adapter: sql.js (SQLite in WebAssembly) under @dataflow/sql-sqlite's dialect, for `sqljs:` URLs.
import { defineSqlPlugin } from "@dataflow/sql-core";
import { SqlJsAdapter } from "./adapter.js";

export { SqlJsAdapter } from "./adapter.js";
export { sqljsFilename } from "./url.js";

/** `new DataFlow({ url: "sqljs:app.db", plugins: [sqljs] })`. */
export const sqljs = defineSqlPlugin({
  name: "@acme/dataflow-sqljs",
  adapters: [{ schemes: ["sqljs"], create: (url, options) => new SqlJsAdapter(url, options) }],
});

export default sqljs;
