export type {
  DatabaseKind,
  ProvisionOptions,
  ProvisionResult,
  RequirableDatabase,
  ServerControl,
  TestDatabase,
} from "./types.js";
export { isDatabaseRequired, requiredDatabases } from "./env.js";
export { provisionDatabase, useTestDatabase } from "./provision.js";
export { startSharedTestServers } from "./shared.js";
export { PGVECTOR_URL_ENV, provisionPgvectorDatabase, usePgvectorDatabase } from "./pgvector.js";
export {
  PGBOUNCER_POOL_SIZE,
  PGBOUNCER_URL_ENV,
  provisionPgbouncerDatabase,
  usePgbouncerDatabase,
  type PgbouncerDatabase,
  type PgbouncerOptions,
  type PgbouncerPoolMode,
  type PgbouncerProvisionResult,
} from "./pgbouncer.js";
export { MONGODB_URL_ENVS, provisionMongoDatabase, useMongoDatabase } from "./mongo.js";
export type { MongoProvisionResult, MongoTestDatabase } from "./mongo.js";
