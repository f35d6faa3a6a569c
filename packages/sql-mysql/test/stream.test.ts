import { DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { eventually } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

const ROWS = 30_000;

async function sessions(): Promise<number> {
  const rows = await rawQuery<{ n: string }>(url, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()");
  return Number(rows[0]!.n);
}

describe.skipIf(!res.ok)("db.stream on MySQL/MariaDB: leaving a result early", () => {
  let db: DataFlow;
  let adapter: MysqlAdapter;
  const Line = () => db.models.get("Line")! as never;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Line", { n: field.int() }, { table: "stream_lines", timestamps: false });
    await db.initialize();
    adapter = db.adapter as MysqlAdapter;
    await adapter.query(
      `INSERT INTO stream_lines (n) SELECT a.i + 100 * b.i + 10000 * c.i FROM ` +
        `(SELECT 0 AS i ${Array.from({ length: 99 }, (_, i) => `UNION ALL SELECT ${i + 1}`).join(" ")}) a, ` +
        `(SELECT 0 AS i ${Array.from({ length: 99 }, (_, i) => `UNION ALL SELECT ${i + 1}`).join(" ")}) b, ` +
        `(SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2) c`,
      [],
    );
  });
  afterAll(() => db?.close());

  it("a break with more than 10,000 rows left destroys the stream's own connection; the server ends its session", async () => {
    expect(Number((await adapter.query("SELECT COUNT(*) AS n FROM stream_lines", [])).rows[0]!.n)).toBe(ROWS);
    const before = await sessions();
    const pooled = adapter.poolStatus();
    expect(pooled.idle).toBeGreaterThanOrEqual(1);
    let seen = 0;
    for await (const _ of db.stream(Line(), {}, { batchSize: 100 })) if (++seen === 5) break;
    expect(seen).toBe(5);
    const status = adapter.poolStatus();
    expect(status.idle).toBe(status.total);
    expect(status.total, "the stream's connection was destroyed, not returned").toBe(pooled.total - 1);
    await eventually(async () => (await sessions()) <= before, "the destroyed connection's server session to end");
    expect(await sessions()).toBeLessThanOrEqual(before);
    // The pool opens a fresh connection for the next stream, which reads everything.
    let all = 0;
    for await (const _ of db.stream(Line(), { select: ["id"] }, { batchSize: 5000 })) all++;
    expect(all).toBe(ROWS);
  });

  it("inside a transaction a break reads the rest, so the transaction and its connection go on", async () => {
    const pooled = adapter.poolStatus();
    await db.transaction(async () => {
      let seen = 0;
      for await (const _ of db.stream(Line(), {}, { batchSize: 100 })) if (++seen === 5) break;
      expect(Number((await adapter.query("SELECT COUNT(*) AS n FROM stream_lines", [])).rows[0]!.n)).toBe(ROWS);
    });
    const status = adapter.poolStatus();
    expect(status.idle).toBe(status.total);
    expect(status.total, "the transaction's connection went back to the pool").toBe(pooled.total);
  });
});
