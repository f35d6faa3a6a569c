import { afterAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { livenessSuite } from "./liveness.js";
import { MysqlTarget } from "./targets.js";

const res = await useTestDatabase("mysql");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`MariaDB/MySQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  livenessSuite("MariaDB/MySQL", ["plain", "row", "schema"], (strategy) => new MysqlTarget(strategy, (res as unknown as { db: never }).db).prepare());
});
