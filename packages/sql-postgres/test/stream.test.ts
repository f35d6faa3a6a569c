import { tracingChannel } from "node:diagnostics_channel";
import { AbortError, DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "../src/index.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

/** The statements the adapter sends during `work`, from the `dataflow:query` tracing channel. */
async function statementsDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const channel = tracingChannel<unknown, { text: string }>("dataflow:query");
  const handlers = { start: (ctx: { text: string }) => void seen.push(ctx.text) };
  channel.subscribe(handlers as never);
  try {
    await work();
  } finally {
    channel.unsubscribe(handlers as never);
  }
  return seen;
}

describe.skipIf(!res.ok)("db.stream on PostgreSQL: a cursor read as the consumer pulls", () => {
  let db: DataFlow;
  const Point = () => db.models.get("Point")! as never;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [postgres] });
    db.model("Point", { n: field.int() }, { table: "stream_points", timestamps: false });
    await db.initialize();
    await (db.adapter as unknown as { query(t: string, p: unknown[]): Promise<unknown> }).query(
      "INSERT INTO stream_points (n) SELECT g FROM generate_series(1, 100) g",
      [],
    );
  });
  afterAll(() => db?.close());

  it("fetches one batch only when the previous one is used up, and commits its own transaction on break", async () => {
    const fetches = (texts: string[]) => texts.filter((t) => t.startsWith("FETCH FORWARD 10 FROM df_stream_")).length;
    const rows = db.stream(Point(), { orderBy: "n" }, { batchSize: 10 })[Symbol.asyncIterator]();
    let texts = await statementsDuring(async () => void (await rows.next()));
    expect(texts[0]).toBe("BEGIN");
    expect(texts[1]).toMatch(/^DECLARE df_stream_\d+ NO SCROLL CURSOR FOR SELECT /);
    expect(fetches(texts)).toBe(1);
    texts = await statementsDuring(async () => {
      for (let i = 0; i < 9; i++) await rows.next();
    });
    expect(texts, "rows 2-10 come from the first batch").toEqual([]);
    texts = await statementsDuring(async () => {
      expect(((await rows.next()).value as { n: number }).n).toBe(11);
    });
    expect(fetches(texts)).toBe(1);
    texts = await statementsDuring(async () => void (await rows.return!()));
    expect(texts).toEqual(["COMMIT"]);
  });

  it("an abort while waiting for a pool connection rejects at once; the connection is given back when it comes", async () => {
    const small = new DataFlow({ url, plugins: [postgres], pool: { max: 1 }, namespace: "small" });
    const P = small.model("Point", { n: field.int() }, { table: "stream_points", timestamps: false });
    const status = () => (small.adapter as unknown as { poolStatus(): { total: number; idle: number } }).poolStatus();
    try {
      const holder = small.stream(P, {}, { batchSize: 5 })[Symbol.asyncIterator]();
      await holder.next();
      expect(status()).toEqual({ total: 1, idle: 0 });
      const controller = new AbortController();
      const waiter = small.stream(P, {}, { batchSize: 5, signal: controller.signal })[Symbol.asyncIterator]();
      const waiting = waiter.next();
      controller.abort();
      await expect(waiting).rejects.toBeInstanceOf(AbortError);
      expect(status(), "the holder still has the only connection").toEqual({ total: 1, idle: 0 });
      await holder.return!();
      for (let i = 0; i < 100 && status().idle !== status().total; i++) await new Promise((r) => setTimeout(r, 50));
      expect(status()).toEqual({ total: 1, idle: 1 });
      await expect(waiter.next()).rejects.toBeInstanceOf(AbortError);
    } finally {
      await small.close();
    }
  });

  it("inside db.transaction the cursor is declared there, and other statements run between batches", async () => {
    await db.transaction(async () => {
      let seen = 0;
      const texts = await statementsDuring(async () => {
        for await (const row of db.stream(Point(), { orderBy: "-n" }, { batchSize: 30 })) {
          seen++;
          if (seen % 25 === 0) {
            const count = await (db.adapter as unknown as { query(t: string, p: unknown[]): Promise<{ rows: Array<{ n: string }> }> }).query(
              "SELECT COUNT(*) AS n FROM stream_points",
              [],
            );
            expect(Number(count.rows[0]!.n)).toBe(100);
          }
          expect((row as { n: number }).n).toBe(101 - seen);
        }
      });
      expect(seen).toBe(100);
      expect(texts).not.toContain("BEGIN");
      expect(texts.at(-1)).toMatch(/^CLOSE df_stream_\d+$/);
    });
  });
});
