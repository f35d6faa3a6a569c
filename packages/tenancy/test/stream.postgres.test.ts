import { afterAll, beforeAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { streamCase } from "./stream-case.js";
import { PostgresTarget } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`db.stream on PostgreSQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  for (const strategy of ["row", "schema", "rls"] as const) {
    describe(`${strategy} strategy`, () => {
      let target: PostgresTarget;
      beforeAll(async () => {
        target = await new PostgresTarget(strategy, (res as unknown as { db: never }).db).prepare();
      });
      afterAll(() => target?.dispose());
      streamCase(() => target);
    });
  }
});
