import { describe } from "vitest";
import { failClosedSuite } from "./fail-closed.js";
import { SqliteTarget } from "./targets.js";

describe("row strategy on SQLite: fail closed", () => {
  failClosedSuite(async () => new SqliteTarget("row"));
});
