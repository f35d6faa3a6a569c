import { defineSqlPlugin } from "@dataflow/sql-core";
import type { MysqlAdapterOptions } from "./adapter.js";
import { MysqlAdapter } from "./adapter.js";

export { MysqlAdapter } from "./adapter.js";
export type { MysqlAdapterOptions } from "./adapter.js";
export { createMysqlDialect } from "./dialect.js";
export type { MysqlDialect } from "./dialect.js";
export { mapMysqlError } from "./errors.js";
export { SESSION_SQL_MODE } from "./pool.js";
export type { StatementResult } from "./pool.js";
export { parseServerVersion, serverFeatures } from "./server.js";
export type { ServerFeatures, ServerInfo } from "./server.js";
export { parseMysqlUrl } from "./url.js";
export type { MysqlUrl } from "./url.js";

/** The MySQL / MariaDB plugin: `mysql://` and `mariadb://` URLs. DataFlow loads it by name for those schemes. */
const mysql = defineSqlPlugin({
  name: "@dataflow/sql-mysql",
  adapters: [{ schemes: ["mysql", "mariadb"], create: (url, options) => new MysqlAdapter(url, options as MysqlAdapterOptions) }],
});

export default mysql;
