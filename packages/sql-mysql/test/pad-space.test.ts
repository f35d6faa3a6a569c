// Tables with a PAD SPACE collation (MariaDB's default utf8mb4_general_ci) that DataFlow does not own:
// registered as existing models they work, and comparisons follow the column's collation; a model
// DataFlow owns on such a table is refused at initialize(), naming table.column and the fix.
import { DataFlow, SchemaError, UniqueViolationError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { failure, runNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

describe.skipIf(!res.ok)("MariaDB/MySQL: existing tables with a PAD SPACE collation", () => {
  it("registerSchemaAsModels() accepts them; = and $in follow the collation (trailing spaces and case ignored), LIKE and stored values do not", async () => {
    await rawQuery(
      url,
      "CREATE TABLE pad_members (member_no INT AUTO_INCREMENT PRIMARY KEY, handle VARCHAR(40) NOT NULL, email VARCHAR(120) NOT NULL, " +
        "UNIQUE KEY ux_pad_members_email (email)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    );
    const [collation] = await rawQuery<{ c: string }>(
      url,
      "SELECT collation_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'pad_members' AND column_name = 'handle'",
    );
    expect(collation?.c).toBe("utf8mb4_general_ci");
    const db = new DataFlow({ url, plugins: [mysql] });
    try {
      const { PadMember } = await db.registerSchemaAsModels({ tables: ["pad_members"] });
      expect(PadMember!.primaryKey.name).toBe("member_no");
      await db.initialize();
      const alice = (await runNode(db, "PadMember_Create", { data: { handle: "alice", email: "alice@example.org" } })).result;
      const bob = (await runNode(db, "PadMember_Create", { data: { handle: "bob  ", email: "bob@example.org" } })).result;
      expect(bob.handle).toBe("bob  "); // stored and returned as written
      expect(await rawQuery(url, "SELECT CONCAT('[', handle, ']') AS h FROM pad_members ORDER BY member_no")).toEqual([{ h: "[alice]" }, { h: "[bob  ]" }]);

      // `=`, `$in` and `$ne` compare as the column's collation does: trailing spaces and case do not count.
      expect((await runNode(db, "PadMember_Count", { filter: { handle: "alice " } })).result).toBe(1);
      expect((await runNode(db, "PadMember_Count", { filter: { handle: "BOB" } })).result).toBe(1);
      expect((await runNode(db, "PadMember_Count", { filter: { handle: { $in: ["Alice", "nobody"] } } })).result).toBe(1);
      expect((await runNode(db, "PadMember_Count", { filter: { handle: { $ne: "alice   " } } })).result).toBe(1);
      // LIKE compares character by character: trailing spaces count there.
      expect((await runNode(db, "PadMember_Count", { filter: { handle: { $like: "bob" } } })).result).toBe(0);
      expect((await runNode(db, "PadMember_Count", { filter: { handle: { $like: "bob  " } } })).result).toBe(1);

      // Unique keys follow it too: "ALICE@example.org " is the same value as alice's email.
      const clash = await failure(runNode(db, "PadMember_Create", { data: { handle: "imposter", email: "ALICE@example.org " } }));
      expect(clash).toBeInstanceOf(UniqueViolationError);
      const upserted = await runNode(db, "PadMember_Upsert", {
        where: { email: "Alice@Example.org " },
        create: { handle: "never" },
        update: { handle: "alice2" },
      });
      expect(upserted).toMatchObject({ created: false, result: { member_no: alice.member_no, handle: "alice2", email: "alice@example.org" } });
      const bulk = await runNode(db, "PadMember_BulkUpsert", {
        data: [
          { handle: "b", email: "BOB@example.org" },
          { handle: "c", email: "carol@example.org" },
        ],
        conflictOn: ["email"],
      });
      expect(bulk.result).toEqual({ inserted: 1, updated: 1 });
      expect((await runNode(db, "PadMember_Update", { filter: { email: "carol@example.org  " }, fields: { handle: "carol" } })).result.handle).toBe("carol");
      expect((await runNode(db, "PadMember_BulkDelete", { filter: { handle: { $in: ["B ", "CAROL"] } } })).result).toEqual({ deleted: 2 });
      expect((await runNode(db, "PadMember_Delete", { id: alice.member_no })).result).toEqual({ id: alice.member_no, deleted: true });
      expect((await runNode(db, "PadMember_Count", {})).result).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("a model DataFlow owns on such a table is refused at initialize(), naming table.column, the ALTER and { existing: true }", async () => {
    await rawQuery(
      url,
      "CREATE TABLE pad_notes (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(80) NOT NULL, body LONGTEXT, created_at DATETIME(6), updated_at DATETIME(6)) " +
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    );
    const owned = new DataFlow({ url, plugins: [mysql] });
    try {
      owned.model("PadNote", { title: field.string({ maxLength: 80 }), body: field.text().optional() }, { table: "pad_notes" });
      const error = await failure(owned.initialize());
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).field).toBe("pad_notes.title,pad_notes.body");
      expect(error.message).toContain("pad_notes.title (utf8mb4_general_ci), pad_notes.body (utf8mb4_general_ci)");
      expect((error as SchemaError).fix).toMatch(/ALTER TABLE `pad_notes` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_(nopad|0900)_bin.*existing: true/);
    } finally {
      await owned.close();
    }
    const existing = new DataFlow({ url, plugins: [mysql] });
    try {
      existing.model("PadNote", { title: field.string({ maxLength: 80 }), body: field.text().optional() }, { table: "pad_notes", existing: true });
      await existing.initialize();
      await runNode(existing, "PadNote_Create", { data: { title: "Hello" } });
      expect((await runNode(existing, "PadNote_Read", { filter: { title: "hello " } })).result.title).toBe("Hello");
    } finally {
      await existing.close();
    }
  });
});
