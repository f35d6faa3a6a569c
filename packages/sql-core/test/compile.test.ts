import { describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import { Model } from "@dataflow/kernel/plugin";
import { parseFilter, parseOrderBy } from "@dataflow/kernel/plugin";
import {
  Params,
  compileFilter,
  createIndexStatement,
  createTableStatement,
  fitIdentifier,
  keysetFilter,
  orderByClause,
  pinsPrimaryKey,
  statements,
} from "../src/index.js";
import { testDialect } from "./test-dialect.js";

/** A minimal PostgreSQL-flavoured dialect, enough to pin the compiler's output. */
const dialect = testDialect({
  columnType: (f) =>
    ({ string: `VARCHAR(${f.maxLength})`, int: "BIGINT", json: "JSONB", boolean: "BOOLEAN", datetime: "TIMESTAMPTZ" })[f.kind as string] ?? "TEXT",
  defaultLiteral: (_f, v) => (typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : typeof v === "boolean" ? String(v).toUpperCase() : String(v)),
  encode: (f, v) => (f.kind === "json" ? JSON.stringify(v) : v),
});

const User = new Model(
  "User",
  {
    id: field.string(),
    name: field.string(),
    age: field.int().optional(),
    tags: field.json<string[]>().optional(),
    role: field.enum(["admin", "user"]).default("user"),
    active: field.boolean().default(true),
  },
  { indexes: [{ fields: ["name", "age"], unique: true }] },
);

function compile(filter: unknown): [string, unknown[]] {
  const params = new Params(dialect);
  return [compileFilter(parseFilter(User, filter).ast, dialect, params), params.values];
}

describe("filter compilation", () => {
  it("binds every value and quotes every identifier", () => {
    expect(compile({ name: "x'; DROP TABLE users; --", age: { $gte: 18 } })).toEqual([`("name" = $1 AND "age" >= $2)`, ["x'; DROP TABLE users; --", 18]]);
  });

  it("compiles logical nesting, NULL tests, $in and constants", () => {
    expect(compile({ $or: [{ age: null }, { $not: { name: { $in: ["a", "b"] } } }] })).toEqual([`("age" IS NULL OR NOT ("name" IN ($1, $2)))`, ["a", "b"]]);
    expect(compile({ age: { $in: [] } })).toEqual(["1 = 0", []]);
    expect(compile({ $and: [] })).toEqual(["1 = 1", []]);
  });

  it("escapes LIKE wildcards for $contains on text and encodes JSON elements", () => {
    expect(compile({ name: { $contains: "50%_off\\" } })).toEqual([`"name" LIKE $1`, ["%50\\%\\_off\\\\%"]]);
    expect(compile({ tags: { $contains: "x" } })).toEqual([`"tags" @> $1`, ['["x"]']]);
  });

  it("orders NULLs after every value and builds keyset predicates", () => {
    const order = parseOrderBy(User, ["-age", "name"]);
    expect(orderByClause(order, dialect)).toBe(` ORDER BY (CASE WHEN "age" IS NULL THEN 1 ELSE 0 END) DESC, "age" DESC, "name" ASC`);
    const params = new Params(dialect);
    expect(keysetFilter(order, [30, "bo"], dialect, params)).toBe(`(("age" < $1) OR ("age" = $2 AND ("name" > $3)))`);
    expect(params.values).toEqual([30, 30, "bo"]);
    const nullCursor = new Params(dialect);
    expect(keysetFilter(order, [null, "bo"], dialect, nullCursor)).toBe(`(("age" IS NOT NULL) OR ("age" IS NULL AND ("name" > $1)))`);
  });

  it("knows when a filter pins the primary key", () => {
    expect(pinsPrimaryKey(parseFilter(User, { id: "a", name: "b" }).ast, User)).toBe(true);
    expect(pinsPrimaryKey(parseFilter(User, { $or: [{ id: "a" }, { id: "b" }] }).ast, User)).toBe(false);
    expect(pinsPrimaryKey(parseFilter(User, { id: { $ne: "a" } }).ast, User)).toBe(false);
  });
});

describe("DDL", () => {
  it("creates columns with types, NOT NULL, defaults, CHECK for enums and indexes", () => {
    expect(createTableStatement(dialect, User)).toBe(
      `CREATE TABLE IF NOT EXISTS "users" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "age" BIGINT, ` +
        `"tags" JSONB, "role" TEXT NOT NULL DEFAULT 'user' CHECK ("role" IN ('admin', 'user')), "active" BOOLEAN NOT NULL DEFAULT TRUE, ` +
        `"created_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    expect(User.indexes.map((ix) => createIndexStatement(dialect, User, ix))).toEqual([`CREATE UNIQUE INDEX "ux_users_name_age" ON "users" ("name", "age")`]);
  });

  it("fits long generated names with a digest, keeping distinct names distinct", () => {
    const a = fitIdentifier(`ix_${"a".repeat(70)}_one`, 63);
    const b = fitIdentifier(`ix_${"a".repeat(70)}_two`, 63);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(fitIdentifier("short", 63)).toBe("short");
  });
});

describe("the compile step (operation parts -> statements, no adapter)", () => {
  it("compiles a key read once per model and binds the encoded key", () => {
    const where = parseFilter(User, { id: "u1" }).ast;
    const first = statements.selectOne(dialect, User, where);
    expect(first.text).toBe('SELECT "id", "name", "age", "tags", "role", "active", "created_at", "updated_at" FROM "users" WHERE "id" = $1 LIMIT 2');
    expect(first.params).toEqual(["u1"]);
    expect(typeof first.decode).toBe("function");
    // The same string object: drivers that cache prepared statements by text find it again.
    expect(statements.selectOne(dialect, User, parseFilter(User, { id: "u2" }).ast).text).toBe(first.text);
  });

  it("compiles an insert with RETURNING and its row decoder on a dialect that has RETURNING, and without both otherwise", () => {
    const data = { id: "u1", name: "Ada", age: 36, tags: ["x"], role: "admin", active: true };
    const returning = statements.insertRow(dialect, User, data);
    expect(returning.text).toBe(
      'INSERT INTO "users" ("id", "name", "age", "tags", "role", "active") VALUES ($1, $2, $3, $4, $5, $6) RETURNING "id", "name", "age", "tags", "role", "active", "created_at", "updated_at"',
    );
    expect(returning.params).toEqual(["u1", "Ada", 36, '["x"]', "admin", true]);
    expect(returning.decode).toBeDefined();
    const plain = statements.insertRow({ ...dialect, returning: false }, User, data);
    expect(plain.text).not.toContain("RETURNING");
    expect(plain.decode).toBeUndefined();
  });

  it("compiles soft deletes as an UPDATE of the tombstone and a List with its order columns kept for the cursor", () => {
    const Note = new Model("Note", { id: field.string(), title: field.string() }, { softDelete: true, timestamps: false });
    const now = new Date("2026-01-01T00:00:00Z");
    const soft = statements.deleteRows(dialect, Note, parseFilter(Note, { id: "n1" }).ast, true, now);
    expect(soft.text).toBe('UPDATE "notes" SET "deleted_at" = $1 WHERE "id" = $2');
    expect(soft.params).toEqual([now, "n1"]);
    const list = statements.listRows(dialect, {
      kind: "List",
      model: User,
      where: parseFilter(User, { age: { $gt: 1 } }).ast,
      orderBy: parseOrderBy(User, ["-age"]),
      select: [User.field("name")!],
      limit: 10,
    } as never);
    expect(list.text).toBe('SELECT "name", "age" FROM "users" WHERE "age" > $1 ORDER BY (CASE WHEN "age" IS NULL THEN 1 ELSE 0 END) DESC, "age" DESC LIMIT $2');
    expect(list.params).toEqual([1, 10]);
    expect(list.extra).toEqual(["age"]);
  });
});
