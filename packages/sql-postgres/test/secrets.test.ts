import { inspect } from "node:util";
import { DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, describe, expect, it } from "vitest";
import type { PostgresAdapter } from "../src/index.js";
import { runNode } from "./support.js";

const res = await useTestDatabase("postgres");

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

describe.skipIf(!res.ok)(`PostgreSQL: no credential is reachable by inspection${res.ok ? "" : ` [${res.reason}]`}`, () => {
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });

  // The test server trusts local connections, so any password is accepted: the point is where it ends up.
  const secret = "Zq9-urlpass-Pw7";
  const optionSecret = "Kx4-optpass-Rr2";
  const urlWithPassword = () => {
    const u = new URL(res.ok ? res.db.url : "postgresql://x@localhost/x");
    u.password = secret;
    return u.toString();
  };

  it("util.inspect and JSON.stringify of a DataFlow never show the password, before and after connecting", async () => {
    for (const options of [{}, { adapter: { pg: { password: optionSecret } } }]) {
      const db = new DataFlow({ url: urlWithPassword(), ...options });
      try {
        const check = () => {
          const text = printed(db);
          expect(text).not.toContain(secret);
          expect(text).not.toContain(optionSecret);
          expect(text).toContain("postgres");
        };
        check();
        db.model("Note", { text: field.text() }, { table: `secret_notes_${Math.random().toString(36).slice(2, 8)}` });
        await runNode(db, "Note_Create", { data: { text: "hi" } });
        check();
        await db.transaction(async () => {
          await runNode(db, "Note_List", {});
          check();
        });
        const adapter = db.adapter as PostgresAdapter;
        const connection = await adapter.acquire();
        adapter.pin({ adapter, executor: connection, options: {}, savepoints: 0 });
        try {
          check();
        } finally {
          adapter.unpin();
          connection.release();
        }
        expect(printed(adapter)).not.toContain(secret);
      } finally {
        await db.close();
      }
      expect(printed(db)).not.toContain(secret);
    }
  });
});
