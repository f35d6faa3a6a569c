import { randomBytes } from "node:crypto";
import { DataFlow, TransactionError, field } from "@dataflow/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";
import postgres from "../src/index.js";
import { activeBackends, eventually, failure, rawClient, rawQuery, runNode, sqlNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
const suffix = () => randomBytes(4).toString("hex");

describe.skipIf(!res.ok)(`PostgreSQL plugin and pool${res.ok ? "" : ` [${res.reason}]`}`, () => {
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });

  it("new DataFlow(url) loads @dataflow/sql-postgres by its URL scheme, for postgresql:// and postgres://", async () => {
    for (const u of [url, url.replace(/^postgresql:/, "postgres:")]) {
      const db = new DataFlow(u);
      try {
        expect(db.plugins.map((p) => p.name)).toEqual(["@dataflow/sql-postgres"]);
        expect(db.adapter.databaseType).toBe("postgresql");
        db.model("Note", { text: field.text() }, { table: `notes_${suffix()}` });
        expect((await runNode(db, "Note_Create", { data: { text: "hi" } })).result.text).toBe("hi");
      } finally {
        await db.close();
      }
    }
  });
});

const pooled = res.ok ? await useTestDatabase("postgres") : res;

describe.skipIf(!pooled.ok)("PostgreSQL pool settings", () => {
  const poolUrl = pooled.ok ? pooled.db.url : "";
  afterAll(async () => {
    if (pooled.ok) await pooled.db.dispose();
  });

  it("takes max, statement_timeout and application_name from the URL, per connection", async () => {
    const appName = `df_${suffix()}`;
    const db = new DataFlow({ url: `${poolUrl}?max=2&statement_timeout=4321&application_name=${appName}`, plugins: [postgres] });
    const raw = await rawClient(poolUrl);
    try {
      const node = sqlNode(db);
      const runs = Array.from({ length: 5 }, () =>
        runNode(db, node, {
          sql: "SELECT current_setting('statement_timeout') AS st, current_setting('application_name') AS app, pg_sleep(0.2) AS pool_probe",
        }),
      );
      await eventually(async () => (await activeBackends(raw, "pool_probe")).length === 2, "two statements run");
      const { rows } = await raw.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [appName]);
      expect(rows[0].n).toBe(2);
      expect((db.adapter as PostgresAdapter).poolStats().waiting).toBe(3);
      for (const out of await Promise.all(runs)) expect(out.rows[0]).toMatchObject({ st: "4321ms", app: appName });
    } finally {
      await raw.end();
      await db.close();
    }
  });

  it("uses application_name=dataflow by default and options.pool over the URL", async () => {
    const db = new DataFlow({ url: `${poolUrl}?max=5&statement_timeout=100`, plugins: [postgres], pool: { max: 1, statementTimeoutMs: 2500 } });
    try {
      const node = sqlNode(db);
      const out = await runNode(db, node, {
        sql: "SELECT current_setting('statement_timeout') AS st, current_setting('application_name') AS app, current_setting('client_encoding') AS enc",
      });
      expect(out.rows[0]).toEqual({ st: "2500ms", app: "dataflow", enc: "UTF8" });
      await Promise.all([runNode(db, node, { sql: "SELECT 1" }), runNode(db, node, { sql: "SELECT 2" })]);
      expect((db.adapter as PostgresAdapter).poolStats().total).toBe(1);
    } finally {
      await db.close();
    }
  });

  it("opens transactions with the requested isolation level and read-only mode", async () => {
    const db = new DataFlow({ url: poolUrl, plugins: [postgres] });
    try {
      const table = `tx_${suffix()}`;
      db.model("Entry", { label: field.string() }, { table });
      await db.initialize();
      const adapter = db.adapter as PostgresAdapter;
      const level = await adapter.transaction((tx) => tx.query("SELECT current_setting('transaction_isolation') AS level", []), {
        isolationLevel: "serializable",
      });
      expect(level.rows[0]!.level).toBe("serializable");
      const readOnly = await adapter
        .transaction(
          async (tx) => {
            const { rows } = await tx.query("SELECT current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS level", []);
            const err = await failure(runNode(db, "Entry_Create", { data: { label: "nope" } }));
            return { settings: rows[0], err };
          },
          { isolationLevel: "repeatable read", readOnly: true },
        )
        .catch((e: unknown) => ({ settings: undefined, err: e as Error }));
      expect(readOnly.settings).toEqual({ ro: "on", level: "repeatable read" });
      expect(readOnly.err).toBeInstanceOf(TransactionError);
      expect((await rawQuery(poolUrl, `SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("prepares a repeated statement once per connection under a stable df_ name", async () => {
    const db = new DataFlow({ url: poolUrl, plugins: [postgres], pool: { max: 1 } });
    try {
      const table = `prepared_${suffix()}`;
      db.model("Thing", { label: field.string() }, { table });
      const { result } = await runNode(db, "Thing_Create", { data: { label: "a" } });
      for (let i = 0; i < 3; i++) expect((await runNode(db, "Thing_Read", { id: result.id })).result.label).toBe("a");
      const { rows } = await (db.adapter as PostgresAdapter).query("SELECT name, statement FROM pg_prepared_statements", []);
      const reads = rows.filter((r) => String(r.statement).startsWith("SELECT") && String(r.statement).includes(`FROM "${table}"`));
      expect(reads).toHaveLength(1);
      expect(reads[0]!.name).toMatch(/^df_[A-Za-z0-9_-]{22}$/);
    } finally {
      await db.close();
    }
  });
});
