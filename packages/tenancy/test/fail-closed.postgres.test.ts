import { afterAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { failClosedSuite } from "./fail-closed.js";
import { PostgresTarget } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`PostgreSQL: fail closed${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  for (const strategy of ["row", "schema", "rls"] as const) {
    describe(`${strategy} strategy`, () => {
      failClosedSuite(() => new PostgresTarget(strategy, (res as unknown as { db: never }).db).prepare());
    });
  }
});
