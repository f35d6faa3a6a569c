import { definePlugin } from "@dataflow/kernel/plugin";
import { sqlModelNodes } from "@dataflow/sql-core";
import type { PostgresAdapterOptions } from "./adapter.js";
import { PostgresAdapter } from "./adapter.js";

export { PgConnection, PostgresAdapter } from "./adapter.js";
export type { PoolStats, PostgresAdapterOptions } from "./adapter.js";
export { DEFAULT_UNNEST_BATCH, roundsByKey } from "./bulk.js";
export { resolveSettings } from "./config.js";
export type { PoolerFeatures, PoolerMode } from "./pooler.js";
export type { PostgresSettings } from "./config.js";
export { copyField } from "./copy-text.js";
export { baseType, formatInstant, postgresDialect, qualifiedTable, quoteIdentifier, quoteLiteral } from "./dialect.js";
export { identitySyncStatement } from "./identity-sync.js";
export { mapPostgresError, redactServerText } from "./errors.js";
export { parseTimestamp } from "./type-parsers.js";

/** The PostgreSQL plugin: `postgres:` and `postgresql:` URLs, the 11 SQL nodes per model. */
const postgres = definePlugin({
  name: "@dataflow/sql-postgres",
  kernel: "^1",
  adapters: [{ schemes: ["postgres", "postgresql"], create: (url, options) => new PostgresAdapter(url, options as PostgresAdapterOptions) }],
  modelNodes: sqlModelNodes,
  // None: the identity sequence after explicit ids is the adapter's `afterExplicitKeys` strategy.
  middleware: [],
});

export default postgres;
