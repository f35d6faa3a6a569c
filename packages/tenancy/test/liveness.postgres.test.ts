import { afterAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { livenessSuite } from "./liveness.js";
import { PostgresTarget } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`PostgreSQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  livenessSuite("PostgreSQL", ["plain", "row", "schema", "rls"], (strategy) => new PostgresTarget(strategy, (res as unknown as { db: never }).db).prepare());
});
