import { afterAll, describe } from "vitest";
import { isolationCase } from "./isolation-case.js";
import { SqliteTarget } from "./targets.js";

const target = new SqliteTarget("row");
afterAll(() => target.dispose());

describe("randomized isolation: row strategy on SQLite", () => {
  isolationCase(() => target);
});
