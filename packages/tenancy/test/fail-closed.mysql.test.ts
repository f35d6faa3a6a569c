import { afterAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { failClosedSuite } from "./fail-closed.js";
import { MysqlTarget } from "./targets.js";

const res = await useTestDatabase("mysql");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`MariaDB/MySQL: fail closed${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  for (const strategy of ["row", "schema"] as const) {
    describe(`${strategy} strategy`, () => {
      failClosedSuite(() => new MysqlTarget(strategy, (res as unknown as { db: never }).db).prepare());
    });
  }
});
