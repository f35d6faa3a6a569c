import type { DataFlow } from "@dataflow/kernel";
import { AbortError, WorkflowBuilder } from "@dataflow/kernel";
import { describe, expect } from "vitest";
import type { Harness, TestContext } from "../harness.js";
import { declareItem } from "../models.js";
import { FILTER_ROWS } from "./filters.js";

/** The adapter's pool counts; the group needs `poolStatus()` (sql-core adapters have it). */
function pool(db: DataFlow): { total: number; idle: number } {
  const adapter = db.adapter as { poolStatus?: () => { total: number; idle: number } };
  if (typeof adapter.poolStatus !== "function") throw new Error("The adapter has no poolStatus(): the streaming group checks connection release with it");
  return adapter.poolStatus();
}

const busy = (db: DataFlow) => {
  const { total, idle } = pool(db);
  return total - idle;
};

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Polls until `check` holds (connections close asynchronously on the server); returns its last value. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, attempts = 100): Promise<T> {
  let value = await read();
  for (let i = 0; i < attempts && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

async function seedMany(t: TestContext, n: number) {
  const Item = declareItem(t.db, t.table("items"));
  const data = Array.from({ length: n }, (_, i) => ({ id: `r${String(i).padStart(5, "0")}`, name: `n${i % 7}`, qty: i, big: BigInt(i) * 1_000_000_007n }));
  for (let i = 0; i < data.length; i += 500) await t.run("Item_BulkCreate", { data: data.slice(i, i + 500) });
  return Item;
}

export function streamingTests(h: Harness): void {
  describe("streaming (db.stream)", () => {
    h.test("stream yields List's rows, with the same values and types, across batches", async (t) => {
      const Item = declareItem(t.db, t.table("items"));
      await t.run("Item_BulkCreate", { data: FILTER_ROWS });
      for (const params of [{}, { orderBy: "-qty" }, { filter: { active: true }, orderBy: ["name"] }, { filter: { qty: { $gte: 2 } }, orderBy: "-amount" }]) {
        const listed = (await t.run("Item_List", params)).result;
        expect(listed.length, JSON.stringify(params)).toBeGreaterThan(0);
        for (const batchSize of [1, 2, 1000]) {
          expect(await collect(t.db.stream(Item, params as never, { batchSize })), JSON.stringify(params)).toEqual(listed);
        }
      }
      const selected = await collect(t.db.stream(Item, { select: ["id", "qty"], orderBy: "-qty" }));
      expect(selected).toEqual((await t.run("Item_List", { select: ["id", "qty"], orderBy: "-qty" })).result);
      expect(Object.keys(selected[0]!).sort()).toEqual(["id", "qty"]);
    });

    h.test("stream skips soft-deleted rows unless includeDeleted", async (t) => {
      const Item = declareItem(t.db, t.table("items"), { softDelete: true });
      await t.run("Item_BulkCreate", {
        data: [
          { id: "s1", name: "a" },
          { id: "s2", name: "b" },
          { id: "s3", name: "c" },
        ],
      });
      await t.run("Item_Delete", { id: "s2" });
      expect((await collect(t.db.stream(Item))).map((r) => r.id)).toEqual(["s1", "s3"]);
      const all = await collect(t.db.stream(Item, { includeDeleted: true }, { batchSize: 2 }));
      expect(all.map((r) => r.id)).toEqual(["s1", "s2", "s3"]);
      expect((all[1] as Record<string, unknown>).deleted_at).toBeInstanceOf(Date);
    });

    h.test("stream refuses paging parameters and bad options, naming the field", async (t) => {
      const Item = declareItem(t.db, t.table("items"));
      expect(() => t.db.stream(Item, { limit: 5 } as never)).toThrow(expect.objectContaining({ field: "limit" }));
      expect(() => t.db.stream(Item, {}, { batchSize: 0 })).toThrow(expect.objectContaining({ field: "batchSize" }));
      expect(() => t.db.stream(Item, { filter: { nope: 1 } } as never)).toThrow(expect.objectContaining({ field: "filter.nope" }));
    });

    h.test("stream inside db.transaction sees its uncommitted rows on the transaction's connection", async (t) => {
      const Item = declareItem(t.db, t.table("items"));
      await t.run("Item_Create", { data: { id: "before", name: "a" } });
      await expect(
        t.db.transaction(async (tx) => {
          await tx.execute(new WorkflowBuilder({ dataflow: t.db }).addNode("Item_Create", "c", { data: { id: "inside", name: "b" } }).build());
          const held = busy(t.db);
          expect(held).toBe(1);
          const seen: string[] = [];
          for await (const row of t.db.stream(Item, { orderBy: "id" }, { batchSize: 1 })) {
            seen.push(row.id);
            expect(busy(t.db), "the stream runs on the transaction's connection, not a second one").toBe(held);
          }
          expect(seen).toEqual(["before", "inside"]);
          // Broken off early, the transaction's connection is still usable.
          for await (const _ of t.db.stream(Item, {}, { batchSize: 1 })) break;
          expect((await t.run("Item_Count", {})).result).toBe(2);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect((await collect(t.db.stream(Item))).map((r) => r.id)).toEqual(["before"]);
      expect(busy(t.db)).toBe(0);
    });

    h.test("1,000 early breaks leak no connection (pool and server)", async (t) => {
      const Item = await seedMany(t, 300);
      const warm = await collect(t.db.stream(Item, {}, { batchSize: 50 }));
      expect(warm).toHaveLength(300);
      const before = pool(t.db);
      const serverBefore = t.oracle.connections ? await t.oracle.connections() : undefined;
      if (serverBefore !== undefined) expect(serverBefore, "the pool's idle connection is a server session").toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 1000; i++) {
        let n = 0;
        for await (const row of t.db.stream(Item, { orderBy: "-qty" }, { batchSize: 10 })) {
          if (++n === 1 + (i % 15)) {
            expect(row.qty).toBe(300 - n);
            break;
          }
        }
        if (busy(t.db) !== 0) expect.fail(`after early break ${i + 1} a connection is still handed out: ${JSON.stringify(pool(t.db))}`);
      }
      const after = pool(t.db);
      expect(after.idle).toBe(after.total);
      expect(after.total).toBeLessThanOrEqual(Math.max(before.total, 1));
      if (serverBefore !== undefined) {
        const serverAfter = await eventually(
          () => t.oracle.connections!(),
          (n) => n <= serverBefore,
        );
        expect(serverAfter, "server sessions after 1,000 early breaks").toBeLessThanOrEqual(serverBefore);
      }
      expect((await t.run("Item_Count", {})).result).toBe(300);
    });

    h.test("an abort ends the stream with AbortError and releases the connection, pulled or not", async (t) => {
      const Item = await seedMany(t, 200);
      const serverBefore = t.oracle.connections ? await t.oracle.connections() : undefined;

      const pulled = new AbortController();
      const rows = t.db.stream(Item, {}, { batchSize: 10, signal: pulled.signal })[Symbol.asyncIterator]();
      expect((await rows.next()).value.id).toBe("r00000");
      expect(busy(t.db)).toBe(1);
      pulled.abort();
      await expect(rows.next()).rejects.toBeInstanceOf(AbortError);
      expect(busy(t.db)).toBe(0);

      // Aborted while nobody pulls: the connection is given back without another next().
      const idle = new AbortController();
      const waiting = t.db.stream(Item, {}, { batchSize: 10, signal: idle.signal })[Symbol.asyncIterator]();
      await waiting.next();
      idle.abort();
      expect(
        await eventually(
          async () => busy(t.db),
          (n) => n === 0,
        ),
      ).toBe(0);
      await expect(waiting.next()).rejects.toBeInstanceOf(AbortError);

      const early = new AbortController();
      early.abort();
      await expect(collect(t.db.stream(Item, {}, { signal: early.signal }))).rejects.toBeInstanceOf(AbortError);
      expect(busy(t.db)).toBe(0);
      if (serverBefore !== undefined) {
        expect(
          await eventually(
            () => t.oracle.connections!(),
            (n) => n <= serverBefore,
          ),
        ).toBeLessThanOrEqual(serverBefore);
      }
      expect(await collect(t.db.stream(Item, { select: ["id"] }))).toHaveLength(200);
    });
  });
}
