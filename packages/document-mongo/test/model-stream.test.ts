import { AbortError, DataFlow, LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import type { MongoTestDatabase } from "@dataflow/testing";
import { declareItem, useMongoDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MongoAdapter } from "../src/index.js";
import mongodb from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

// A MongoDB cursor holds no pooled connection between batches, so streams are checked by the cursors they leave open.
describe.skipIf(skipReason !== undefined)(`db.stream on MongoDB closes its server cursor (${provisioned.ok ? provisioned.db.source : skipReason})`, () => {
  let db: DataFlow;
  let Item: ReturnType<typeof declareItem>;
  const open = () => (db.adapter as MongoAdapter).openCursors;

  beforeAll(async () => {
    db = new DataFlow({ url: server.url, plugins: [mongodb] });
    Item = declareItem(db, "stream_items");
    await db.initialize();
    const data = Array.from({ length: 120 }, (_, i) => ({ id: `r${String(i).padStart(3, "0")}`, name: `n${i}`, qty: i }));
    await new LocalRuntime({ dataflow: db }).execute(new WorkflowBuilder({ dataflow: db }).addNode("Item_BulkCreate", "n", { data }).build());
  });
  afterAll(async () => {
    await db?.close();
    await server.dispose();
  });

  it("reads every row across batches and closes the cursor at the end", async () => {
    const rows = await collect(db.stream(Item, { orderBy: "-qty" }, { batchSize: 7 }));
    expect(rows.map((r) => r.qty)).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i));
    expect(open()).toBe(0);
  });

  it("100 early breaks leave no cursor open", async () => {
    for (let i = 0; i < 100; i++) {
      let n = 0;
      for await (const row of db.stream(Item, {}, { batchSize: 5 })) {
        if (++n === 1 + (i % 12)) {
          expect(row.id).toBe(`r${String(n - 1).padStart(3, "0")}`);
          break;
        }
      }
      if (open() !== 0) expect.fail(`after early break ${i + 1} a cursor is still open`);
    }
  });

  it("an abort ends the stream with AbortError and closes the cursor, pulled or not", async () => {
    const pulled = new AbortController();
    const rows = db.stream(Item, {}, { batchSize: 10, signal: pulled.signal })[Symbol.asyncIterator]();
    expect((await rows.next()).value.id).toBe("r000");
    expect(open()).toBe(1);
    pulled.abort();
    await expect(rows.next()).rejects.toBeInstanceOf(AbortError);
    expect(open()).toBe(0);

    const early = new AbortController();
    early.abort();
    await expect(collect(db.stream(Item, {}, { signal: early.signal }))).rejects.toBeInstanceOf(AbortError);
    expect(open()).toBe(0);
    expect(await collect(db.stream(Item, { select: ["id"] }))).toHaveLength(120);
  });
});
