export * from "./conformance/index.js";
export * from "./harness/index.js";
export * from "./nodes.js";
export * from "./provision/index.js";
export { seededRandom } from "./random.js";
export { runSqlSchemaSuite } from "./sql-schema/index.js";
export type { SqlFamily, SqlSchemaSuiteOptions } from "./sql-schema/index.js";
