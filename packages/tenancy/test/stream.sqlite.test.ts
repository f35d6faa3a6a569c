import { afterAll, describe } from "vitest";
import { streamCase } from "./stream-case.js";
import { SqliteTarget } from "./targets.js";

const target = new SqliteTarget("row");
afterAll(() => target.dispose());

describe("db.stream: row strategy on SQLite", () => {
  streamCase(() => target);
});
