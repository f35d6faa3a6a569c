import { randomBytes } from "node:crypto";
import { AbortError, DataFlow, ValidationError, field } from "@dataflow/kernel";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usePgbouncerDatabase } from "@dataflow/testing";
import { PostgresAdapter } from "../src/index.js";
import postgres from "../src/index.js";
import { activeBackends, eventually, failure, rawClient, runNode, runningBackend, sqlNode } from "./support.js";

function refusal(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("pgbouncer settings (no server)", () => {
  const base = "postgresql://app@127.0.0.1:6432/app";

  it("reads the mode from ?pgbouncer= or the adapter option, which wins, and says what each turns off", async () => {
    const direct = new PostgresAdapter(base);
    const session = new PostgresAdapter(`${base}?pgbouncer=session`);
    const transaction = new PostgresAdapter(`${base}?pgbouncer=session`, { pgbouncer: "transaction" });
    try {
      expect(direct.settings.pooler).toEqual({ mode: "none", namedStatements: true, startupSettings: true, cancelByPid: true });
      expect(session.settings.pooler).toEqual({ mode: "session", namedStatements: true, startupSettings: false, cancelByPid: false });
      expect(transaction.settings.pooler).toEqual({ mode: "transaction", namedStatements: false, startupSettings: false, cancelByPid: false });
    } finally {
      await Promise.all([direct.close(), session.close(), transaction.close()]);
    }
  });

  it("refuses an unknown mode, naming where it was given", () => {
    expect(refusal(() => new PostgresAdapter(`${base}?pgbouncer=yes`)).field).toBe("url.pgbouncer");
    expect(refusal(() => new PostgresAdapter(base, { pgbouncer: "statement" as never })).field).toBe("pgbouncer");
  });

  it("refuses settings sent at connect, which PgBouncer would refuse at every connect", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => new PostgresAdapter(`${base}?pgbouncer=transaction&statement_timeout=5000`), "url.statement_timeout"],
      [() => new PostgresAdapter(`${base}?pgbouncer=transaction`, { pool: { statementTimeoutMs: 5000 } }), "pool.statementTimeoutMs"],
      [() => new PostgresAdapter(`${base}?pgbouncer=transaction&lock_timeout=100`), "url.lock_timeout"],
      [() => new PostgresAdapter(`${base}?pgbouncer=session&options=-c%20search_path%3Dx`), "url.options"],
      [
        () => new PostgresAdapter(base, { pgbouncer: "transaction", pg: { idle_in_transaction_session_timeout: 1000 } }),
        "pg.idle_in_transaction_session_timeout",
      ],
    ];
    for (const [work, fieldName] of cases) {
      const error = refusal(work);
      expect(error.field).toBe(fieldName);
      expect(error.fix).toMatch(/ALTER ROLE/);
    }
    // Without a pooler they are startup parameters as before.
    expect(new PostgresAdapter(`${base}?statement_timeout=5000&lock_timeout=100`).settings.statementTimeoutMs).toBe(5000);
  });
});

const res = await usePgbouncerDatabase();

describe.skipIf(!res.ok)(`PostgreSQL through PgBouncer in transaction pooling mode${res.ok ? "" : ` [${res.reason}]`}`, () => {
  const bouncerUrl = res.ok ? res.db.url : "";
  const url = `${bouncerUrl}?pgbouncer=transaction`;
  const directUrl = res.ok ? res.db.directUrl : "";
  const poolSize = res.ok ? res.db.poolSize : 0;
  let direct: pg.Client;

  beforeAll(async () => {
    direct = await rawClient(directUrl);
  });
  afterAll(async () => {
    await direct?.end();
    if (res.ok) await res.db.dispose();
  });

  /** A client of PgBouncer that holds one server connection in an open transaction. */
  async function holdServer(): Promise<{ pid: number; release(): Promise<void> }> {
    const client = await rawClient(bouncerUrl);
    await client.query("BEGIN");
    const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    return {
      pid,
      async release() {
        await client.query("COMMIT");
        await client.end();
      },
    };
  }

  /**
   * Runs one parameterized statement three times on one client connection of the adapter: twice on
   * the server connection P, then, while another client holds P, a third time (necessarily on the
   * pool's other server connection). Returns both server pids, or the third run's failure.
   */
  async function runAcrossServers(adapter: PostgresAdapter): Promise<{ prepared: number; third: number }> {
    // Both server connections of PgBouncer's pool exist.
    const [a, b] = [await holdServer(), await holdServer()];
    expect(a.pid).not.toBe(b.pid);
    await a.release();
    await b.release();
    const text = "SELECT pg_backend_pid() AS pid, $1::int AS n";
    const exec = adapter.executorFor(undefined);
    await exec.query(text, [1]);
    const prepared = (await exec.query(text, [2])).rows[0]!.pid as number;
    let holder = await holdServer();
    if (holder.pid !== prepared) {
      const other = await holdServer();
      await holder.release();
      holder = other;
    }
    expect(holder.pid).toBe(prepared);
    try {
      const row = (await exec.query(text, [3])).rows[0]!;
      expect(row.n).toBe(3);
      return { prepared, third: row.pid as number };
    } finally {
      await holder.release();
    }
  }

  it(`the test PgBouncer pools ${poolSize} server connections by transaction: a named statement breaks on the next server`, async () => {
    const adapter = new PostgresAdapter(bouncerUrl, { pool: { max: 1 }, pgbouncer: "session" });
    try {
      const error = await runAcrossServers(adapter).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/prepared statement "df_[\w-]+" does not exist/);
    } finally {
      await adapter.close();
    }
  });

  it("with pgbouncer=transaction, statements run unnamed and the same text works on every server connection", async () => {
    const adapter = new PostgresAdapter(url, { pool: { max: 1 } });
    try {
      await adapter.connect();
      const { prepared, third } = await runAcrossServers(adapter);
      expect(third).not.toBe(prepared);
    } finally {
      await adapter.close();
    }
  });

  it("an AbortSignal cancels the running statement by the protocol's cancel request, through PgBouncer", async () => {
    const db = new DataFlow({ url, plugins: [postgres], pool: { max: 2 } });
    try {
      const controller = new AbortController();
      const running = failure(runNode(db, sqlNode(db), { sql: "SELECT pg_sleep(30) AS pgb_cancel_me" }, { signal: controller.signal }));
      const pid = await runningBackend(direct, "pgb_cancel_me");
      controller.abort();
      const err = await running;
      expect(err).toBeInstanceOf(AbortError);
      expect((err.cause as { code?: string }).code).toBe("57014");
      await eventually(async () => (await activeBackends(direct, "pgb_cancel_me")).length === 0, "the backend stopped sleeping");
      expect(pid).toBeGreaterThan(0);
      expect((await runNode(db, sqlNode(db), { sql: "SELECT 1 AS ok" })).rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.close();
    }
  });

  it("db.transaction from two DataFlows interleaves on shared server connections: savepoints, rollbacks and transaction-local settings stay in their transaction", async () => {
    const table = `pgb_tx_${randomBytes(4).toString("hex")}`;
    const open = (namespace: string) => {
      const db = new DataFlow({ url, plugins: [postgres], pool: { max: 4 }, namespace });
      db.model("Entry", { label: field.string(), owner: field.string() }, { table });
      return db;
    };
    const [a, b] = [open("pgb_a"), open("pgb_b")];
    const create = (db: DataFlow) => `${db === a ? "pgb_a" : "pgb_b"}.Entry_Create`;
    try {
      await a.initialize();
      await b.initialize();
      const setting = (db: DataFlow) => runNode(db, sqlNode(db), { sql: "SELECT current_setting('app.owner', true) AS owner" });
      const work = (db: DataFlow, owner: string, i: number) =>
        db
          .transaction(async (tx) => {
            await runNode(db, sqlNode(db), { sql: `SELECT set_config('app.owner', '${owner}', true)` });
            await runNode(db, create(db), { data: { label: `${owner}-${i}`, owner } });
            await tx
              .savepoint(async () => {
                await runNode(db, create(db), { data: { label: `${owner}-${i}-undone`, owner } });
                throw new Error("undo the savepoint");
              })
              .catch(() => undefined);
            // Another transaction's setting never shows here, whichever server connection this is.
            expect((await setting(db)).rows[0].owner).toBe(owner);
            if (i % 3 === 0) throw new Error("roll back");
          })
          .catch((error: Error) => {
            if (error.message !== "roll back") throw error;
          });
      await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? work(a, "a", i) : work(b, "b", i))));
      // Outside a transaction no setting is left on any server connection.
      for (let i = 0; i < 4; i++) expect([null, ""]).toContain((await setting(i % 2 ? a : b)).rows[0].owner);
      const rows = (await direct.query(`SELECT label FROM "${table}" ORDER BY label`)).rows.map((r: { label: string }) => r.label);
      const expected = Array.from({ length: 24 }, (_, i) => i)
        .filter((i) => i % 3 !== 0)
        .map((i) => `${i % 2 === 0 ? "a" : "b"}-${i}`)
        .sort();
      expect(rows).toEqual(expected);
      await expect(b.transaction(() => runNode(b, create(b), { data: { label: "ro", owner: "b" } }), { readOnly: true })).rejects.toThrow();
      // Every client shared PgBouncer's few server connections.
      const { rows: backends } = await direct.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      expect(backends[0].n).toBeLessThanOrEqual(poolSize);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

const session = await usePgbouncerDatabase({ poolMode: "session" });

describe.skipIf(!session.ok)(`PostgreSQL through PgBouncer in session pooling mode${session.ok ? "" : ` [${session.reason}]`}`, () => {
  const url = session.ok ? `${session.db.url}?pgbouncer=session` : "";
  afterAll(async () => {
    if (session.ok) await session.db.dispose();
  });

  it("keeps named statements on the client's own server connection, and aborts cancel through PgBouncer", async () => {
    const db = new DataFlow({ url, plugins: [postgres], pool: { max: 1 } });
    try {
      const adapter = db.adapter as PostgresAdapter;
      expect(adapter.settings.pooler.namedStatements).toBe(true);
      const exec = adapter.executorFor(undefined);
      const text = "SELECT pg_backend_pid() AS pid, $1::int AS n";
      const pids = new Set<number>();
      for (let n = 0; n < 3; n++) pids.add((await exec.query(text, [n])).rows[0]!.pid as number);
      expect(pids.size).toBe(1);
      const { rows } = await exec.query("SELECT name FROM pg_prepared_statements WHERE statement = $1", [text]);
      expect(rows.map((r) => r.name)).toEqual([expect.stringMatching(/^df_/)]);

      const direct = await rawClient(session.ok ? session.db.directUrl : "");
      try {
        const controller = new AbortController();
        const running = failure(runNode(db, sqlNode(db), { sql: "SELECT pg_sleep(30) AS pgb_session_cancel" }, { signal: controller.signal }));
        await eventually(async () => (await activeBackends(direct, "pgb_session_cancel")).length === 1, "the sleep runs");
        controller.abort();
        expect(await running).toBeInstanceOf(AbortError);
        await eventually(async () => (await activeBackends(direct, "pgb_session_cancel")).length === 0, "the backend stopped sleeping");
      } finally {
        await direct.end();
      }
    } finally {
      await db.close();
    }
  });
});
