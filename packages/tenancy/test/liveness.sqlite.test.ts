import { describe } from "vitest";
import { livenessSuite } from "./liveness.js";
import { SqliteTarget } from "./targets.js";

// SQLite has one connection and no separate schema connection: models are prepared before a
// transaction opens, best effort (the pool sizes of the suite do not apply; the runs queue).
describe("SQLite", () => {
  livenessSuite("SQLite", ["plain", "row"], async (strategy) => new SqliteTarget(strategy));
});
