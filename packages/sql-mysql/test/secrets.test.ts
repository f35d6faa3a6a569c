import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import type { MysqlAdapter } from "../src/index.js";
import { runNode } from "./support.js";

const res = await useTestDatabase("mysql");

/** Everything util.inspect (any depth, hidden properties) and JSON.stringify can print of `root`. */
function printed(root: unknown): string {
  let json = "";
  try {
    json = JSON.stringify(root, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
  } catch {
    // a cycle (the pools): inspect still has to hide the secret
  }
  return `${inspect(root, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity })}\n${json}`;
}

describe.skipIf(!res.ok)(`MySQL/MariaDB: no credential is reachable by inspection${res.ok ? "" : ` [${res.reason}]`}`, () => {
  const user = `sec_${randomBytes(3).toString("hex")}`;
  const secret = "Jd5-mypass-Wn3";
  let admin: mysql.Connection | undefined;

  afterAll(async () => {
    if (admin) {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost', '${user}'@'127.0.0.1'`);
      await admin.end();
    }
    if (res.ok) await res.db.dispose();
  });

  it("util.inspect and JSON.stringify of a DataFlow never show the password, before and after connecting", async () => {
    if (!res.ok) return;
    const base = new URL(res.db.url);
    const database = base.pathname.slice(1);
    admin = await mysql.createConnection(res.db.url);
    for (const host of ["%", "localhost", "127.0.0.1"]) {
      await admin.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${secret}'`);
      await admin.query(`GRANT ALL ON \`${database}\`.* TO '${user}'@'${host}'`);
    }
    base.username = user;
    base.password = secret;
    const db = new DataFlow(base.toString());
    try {
      const check = () => {
        const text = printed(db);
        expect(text).not.toContain(secret);
        expect(text).toContain(user);
      };
      check();
      db.model("Note", { text: field.text() }, { table: `secret_notes_${randomBytes(3).toString("hex")}` });
      await runNode(db, "Note_Create", { data: { text: "hi" } });
      check();
      await db.transaction(async () => {
        await runNode(db, "Note_List", {});
        check();
      });
      const adapter = db.adapter as MysqlAdapter;
      const connection = await adapter.acquire();
      adapter.pin({ adapter, executor: connection, options: {}, savepoints: 0 });
      try {
        check();
      } finally {
        adapter.unpin();
        connection.release();
      }
    } finally {
      await db.close();
    }
    expect(printed(db)).not.toContain(secret);
  });
});
