import { afterAll, beforeAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { streamCase } from "./stream-case.js";
import { MysqlTarget } from "./targets.js";

const res = await useTestDatabase("mysql");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`db.stream on MariaDB/MySQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  for (const strategy of ["row", "schema"] as const) {
    describe(`${strategy} strategy`, () => {
      let target: MysqlTarget;
      beforeAll(async () => {
        target = await new MysqlTarget(strategy, (res as unknown as { db: never }).db).prepare();
      });
      afterAll(() => target?.dispose());
      streamCase(() => target);
    });
  }
});
