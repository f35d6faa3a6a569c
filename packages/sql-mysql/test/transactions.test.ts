import { ConstraintViolationError, DataFlow, ForeignKeyViolationError, NotNullViolationError, TransactionError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawConnection, rawQuery } from "./oracle.js";
import { eventually } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function caught(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe.skipIf(!res.ok)("transactions", () => {
  let db: DataFlow;
  let adapter: MysqlAdapter;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Account", { id: field.string(), balance: field.int() }, { table: "accounts", timestamps: false });
    await db.initialize();
    adapter = db.adapter as MysqlAdapter;
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await rawQuery(url, "DELETE FROM accounts");
    await rawQuery(url, "INSERT INTO accounts (id, balance) VALUES ('a', 100), ('b', 100)");
  });

  it("after a lock wait timeout (1205) nothing but ROLLBACK runs, so half a transaction is never committed", async () => {
    const holder = await rawConnection(url);
    try {
      await holder.query("START TRANSACTION");
      await holder.query("SELECT * FROM accounts WHERE id = 'b' FOR UPDATE");
      const seen: Array<Error & { retryable?: boolean }> = [];
      const error = await caught(
        adapter.transaction(async (tx) => {
          await tx.query("SET SESSION innodb_lock_wait_timeout = 1", []);
          await tx.query("UPDATE accounts SET balance = balance - 10 WHERE id = 'a'", []);
          try {
            await tx.query("UPDATE accounts SET balance = balance + 10 WHERE id = 'b'", []);
          } catch (e) {
            seen.push(adapter.mapError(e));
          }
          // A careless caller carries on: the session refuses, and so does COMMIT.
          seen.push(await caught(tx.query("INSERT INTO accounts (id, balance) VALUES ('c', 1)", [])));
        }),
      );
      expect(seen[0]).toBeInstanceOf(TransactionError);
      expect(seen[0]!.retryable).toBe(true);
      expect(seen[1]).toBeInstanceOf(TransactionError);
      expect(error).toBeInstanceOf(TransactionError);
      await holder.query("ROLLBACK");
      expect(await rawQuery(url, "SELECT id, balance FROM accounts ORDER BY id")).toEqual([
        { id: "a", balance: "100" },
        { id: "b", balance: "100" },
      ]);
    } finally {
      await holder.end();
    }
  });

  it("a deadlock (1213) picks one victim, which must roll back and may retry", async () => {
    const t1 = await adapter.begin();
    const t2 = await adapter.begin();
    await t1.executor.query("UPDATE accounts SET balance = balance - 1 WHERE id = 'a'", []);
    await t2.executor.query("UPDATE accounts SET balance = balance - 1 WHERE id = 'b'", []);
    const first = t1.executor.query("UPDATE accounts SET balance = balance + 1 WHERE id = 'b'", []).then(
      () => undefined,
      (e: unknown) => e,
    );
    await eventually(
      async () => (await rawQuery(url, "SELECT 1 FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'")).length > 0,
      "t1 waits for t2's lock",
    );
    const second = await t2.executor.query("UPDATE accounts SET balance = balance + 1 WHERE id = 'a'", []).then(
      () => undefined,
      (e: unknown) => e,
    );
    const outcomes = [await first, second];
    const victims = outcomes.filter((o) => o !== undefined);
    expect(victims).toHaveLength(1);
    const mapped = adapter.mapError(victims[0]);
    expect(mapped).toBeInstanceOf(TransactionError);
    expect(mapped.retryable).toBe(true);
    const [victim, survivor] = outcomes[0] === undefined ? [t2, t1] : [t1, t2];
    // InnoDB already rolled the victim back; its session refuses anything but ROLLBACK.
    expect(await caught(victim.executor.query("SELECT 1", []))).toBeInstanceOf(TransactionError);
    await adapter.rollback(victim);
    await adapter.commit(survivor);
    const balances = await rawQuery<{ balance: string }>(url, "SELECT balance FROM accounts ORDER BY id");
    expect(balances.reduce((sum, r) => sum + Number(r.balance), 0)).toBe(200);
  });

  it("isolation level and READ ONLY apply to the transaction", async () => {
    // SERIALIZABLE turns a plain SELECT into a locking read: another session cannot change the row meanwhile.
    const writer = await rawConnection(url);
    await writer.query("SET SESSION innodb_lock_wait_timeout = 1");
    try {
      const serializable = await adapter.begin({ isolationLevel: "serializable" });
      await serializable.executor.query("SELECT * FROM accounts WHERE id = 'a'", []);
      expect(((await caught(writer.query("UPDATE accounts SET balance = 0 WHERE id = 'a'"))) as { errno?: number }).errno).toBe(1205);
      await adapter.rollback(serializable);
      const repeatable = await adapter.begin({ isolationLevel: "repeatable read" });
      await repeatable.executor.query("SELECT * FROM accounts WHERE id = 'a'", []);
      await writer.query("UPDATE accounts SET balance = 0 WHERE id = 'a'");
      await adapter.rollback(repeatable);
    } finally {
      await writer.end();
    }
    const readOnly = await adapter.begin({ readOnly: true });
    try {
      expect(adapter.mapError(await caught(readOnly.executor.query("UPDATE accounts SET balance = 0", [])))).toBeInstanceOf(TransactionError);
    } finally {
      await adapter.rollback(readOnly);
    }
    expect(await rawQuery(url, "SELECT id, balance FROM accounts ORDER BY id")).toEqual([
      { id: "a", balance: "0" },
      { id: "b", balance: "100" },
    ]);
  });

  it("nested transactions are savepoints: an inner failure undoes only the inner work", async () => {
    await adapter.transaction(async (tx) => {
      await tx.query("UPDATE accounts SET balance = 1 WHERE id = 'a'", []);
      await expect(
        adapter.transaction(async (inner) => {
          await inner.query("UPDATE accounts SET balance = 2 WHERE id = 'b'", []);
          throw new Error("inner");
        }),
      ).rejects.toThrow("inner");
    });
    expect(await rawQuery(url, "SELECT id, balance FROM accounts ORDER BY id")).toEqual([
      { id: "a", balance: "1" },
      { id: "b", balance: "100" },
    ]);
  });
});

describe.skipIf(!res.ok)("constraint errors from the server", () => {
  let db: DataFlow;
  let adapter: MysqlAdapter;
  beforeAll(async () => {
    await rawQuery(url, "CREATE TABLE parents (id INT PRIMARY KEY) ENGINE=InnoDB");
    await rawQuery(
      url,
      "CREATE TABLE children (id INT PRIMARY KEY, parent_id INT NOT NULL, kind VARCHAR(10) CHECK (kind IN ('a','b')), FOREIGN KEY (parent_id) REFERENCES parents (id)) ENGINE=InnoDB",
    );
    await rawQuery(url, "INSERT INTO parents VALUES (1)");
    db = new DataFlow({ url, plugins: [mysql] });
    adapter = db.adapter as MysqlAdapter;
  });
  afterAll(() => db.close());

  it("foreign keys, NOT NULL and CHECK map to their classes", async () => {
    expect(adapter.mapError(await caught(adapter.query("INSERT INTO children VALUES (1, 99, 'a')", [])))).toBeInstanceOf(ForeignKeyViolationError);
    await adapter.query("INSERT INTO children VALUES (1, 1, 'a')", []);
    expect(adapter.mapError(await caught(adapter.query("DELETE FROM parents WHERE id = 1", [])))).toBeInstanceOf(ForeignKeyViolationError);
    const nn = adapter.mapError(await caught(adapter.query("INSERT INTO children (id, parent_id) VALUES (?, ?)", [2, null])));
    expect(nn).toBeInstanceOf(NotNullViolationError);
    expect(nn.field).toBe("parent_id");
    expect(adapter.mapError(await caught(adapter.query("INSERT INTO children VALUES (3, 1, 'zzz')", [])))).toBeInstanceOf(ConstraintViolationError);
    expect(await rawQuery(url, "SELECT id FROM children")).toEqual([{ id: 1 }]);
  });
});
