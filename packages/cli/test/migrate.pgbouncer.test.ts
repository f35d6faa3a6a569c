// The migration lock through PgBouncer in transaction pooling mode, where a session advisory lock
// would be taken on one server connection and released on another.
import { usePgbouncerDatabase } from "@dataflow/testing";
import { migrationSuite } from "./support/suite.js";
import { serverTarget } from "./support/targets.js";

const res = await usePgbouncerDatabase();
migrationSuite(
  "migrations through PgBouncer (transaction pooling)",
  res.ok ? serverTarget("pgbouncer", res.db, `${res.db.url}?pgbouncer=transaction`) : res.reason,
  ["round trip", "race", "killed", "down"],
);
