import { describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import type { FilterNode, ListOperation } from "@dataflow/kernel/plugin";
import { Model, parseFilter, parseOrderBy } from "@dataflow/kernel/plugin";
import type { Dialect } from "../src/index.js";
import { Params, compileFilter, keysetFilter, orderByClause, statements, whereClause } from "../src/index.js";
import { filterShape, filterValues, sameFilterShape } from "../src/shape.js";
import { testDialect } from "./test-dialect.js";

/**
 * A run whose operation has the shape of one of the last few compiled ones takes that statement
 * without building a key (statements.ts `Recent`). Each case runs a statement after others (so the
 * structural check, not the keyed cache, answers it) and compares it with a fresh compile.
 */
const plain = testDialect({ encode: (f, v) => (f.kind === "boolean" ? (v ? 1 : 0) : v) });
/** Wraps int binds in a CAST, so a NULL comparison (no wrapper) and a value compile differently; binds IN lists as one array. */
const arrays: Dialect = {
  ...plain,
  name: "arrays",
  parameter: (f, p) => (f.kind === "int" ? `CAST(${p} AS SIGNED)` : p),
  inList: (column, _f, values, negate, add) => (negate ? `${column} <> ALL(${add(values)})` : `${column} = ANY(${add(values)})`),
};
/** Writes the IN list's size into the text. */
const sized: Dialect = {
  ...plain,
  name: "sized",
  inList: (column, _f, values, negate, add) =>
    `${column} ${negate ? "NOT IN" : "IN"} (SELECT value FROM json_each(${add(JSON.stringify(values))}) LIMIT ${values.length})`,
};

const fields = () => ({ id: field.string(), name: field.string(), email: field.string(), age: field.int().optional(), active: field.boolean().default(true) });
const User = new Model("User", fields());
/** Same field names, another table. */
const Member = new Model("Member", fields());

const cmp = (model: Model, name: string, value: unknown): FilterNode => ({ t: "cmp", field: model.field(name)!, op: "=", value });

const filters: Array<(m: Model) => FilterNode> = [
  (m) => parseFilter(m, {}).ast,
  (m) => parseFilter(m, { name: "a" }).ast,
  (m) => parseFilter(m, { name: "b" }).ast,
  (m) => parseFilter(m, { email: "a" }).ast,
  (m) => parseFilter(m, { age: null }).ast,
  (m) => parseFilter(m, { age: 3 }).ast,
  (m) => parseFilter(m, { age: { $gt: 3 } }).ast,
  (m) => cmp(m, "age", null),
  (m) => cmp(m, "age", 4),
  (m) => parseFilter(m, { age: { $in: [1] } }).ast,
  (m) => parseFilter(m, { age: { $in: [1, 2] } }).ast,
  (m) => parseFilter(m, { age: { $in: [3, 4, 5] } }).ast,
  (m) => parseFilter(m, { age: { $nin: [1, 2] } }).ast,
  (m) => parseFilter(m, { name: "a", age: 3 }).ast,
  (m) => parseFilter(m, { age: 3, name: "a" }).ast,
  (m) => parseFilter(m, { $or: [{ name: "a" }, { age: 3 }] }).ast,
  (m) => parseFilter(m, { $or: [{ name: "a" }, { email: "x" }] }).ast,
  (m) => parseFilter(m, { $not: { name: "a" } }).ast,
  (m) => parseFilter(m, { name: { $like: "a%" } }).ast,
  (m) => parseFilter(m, { name: { $ilike: "a%" } }).ast,
  (m) => parseFilter(m, { active: true }).ast,
];

function fresh(d: Dialect, where: FilterNode): { where: string; params: unknown[] } {
  const params = new Params(d);
  return { where: whereClause(where, d, params), params: params.values };
}

describe("statements taken by shape without a key", () => {
  for (const d of [plain, arrays, sized]) {
    it(`gives every Count the text and binds of a fresh compile, whatever ran before (${d.name})`, () => {
      for (const model of [User, Member])
        for (const before of filters)
          for (const make of filters) {
            statements.countRows(d, model, before(model));
            statements.countRows(d, model === User ? Member : User, make(model === User ? Member : User));
            const where = make(model);
            const got = statements.countRows(d, model, where);
            const want = fresh(d, where);
            expect(got.text).toBe(`SELECT COUNT(*) AS n FROM "${model.table}"${want.where}`);
            expect(got.params).toEqual(want.params);
          }
    });
  }

  for (const d of [plain, arrays, sized]) {
    it(`matches two filters structurally exactly when their keys are equal, and collects the keyed walk's values (${d.name})`, () => {
      for (const a of filters)
        for (const b of filters) {
          const x = a(User);
          const y = b(User);
          const inList = JSON.stringify(x, (k, v) => (k === "field" ? v.name : v)).includes('"t":"in"') && d.inList !== undefined;
          const sameKey = filterShape(x, d, []) === filterShape(y, d, []);
          expect(sameFilterShape(x, y, d)).toBe(sameKey && !inList);
        }
      for (const make of filters) {
        const keyed: unknown[] = [];
        const plainValues: unknown[] = [];
        filterShape(make(User), d, keyed);
        filterValues(make(User), d, plainValues);
        expect(plainValues).toEqual(keyed);
      }
    });
  }

  it("keeps two models with the same field names apart", () => {
    for (let i = 0; i < 3; i++) {
      expect(statements.countRows(plain, User, cmp(User, "name", "a")).text).toContain(`FROM "users"`);
      expect(statements.countRows(plain, Member, cmp(Member, "name", "a")).text).toContain(`FROM "members"`);
      expect(statements.listRows(plain, list(Member, { name: "a" })).text).toContain(`FROM "members"`);
      expect(statements.listRows(plain, list(User, { name: "a" })).text).toContain(`FROM "users"`);
    }
  });

  it("keeps the same structure on different fields, IN list sizes and NULL vs value comparisons apart", () => {
    const count = (d: Dialect, where: FilterNode) => statements.countRows(d, User, where);
    count(plain, parseFilter(User, { name: "a" }).ast);
    expect(count(plain, parseFilter(User, { email: "a" }).ast).text).toContain(`"email" = $1`);
    count(plain, parseFilter(User, { age: { $in: [1, 2] } }).ast);
    const three = count(plain, parseFilter(User, { age: { $in: [1, 2, 3] } }).ast);
    expect(three.text).toContain("IN ($1, $2, $3)");
    expect(three.params).toEqual([1, 2, 3]);
    count(sized, parseFilter(User, { age: { $in: [1, 2] } }).ast);
    expect(count(sized, parseFilter(User, { age: { $in: [1, 2, 3] } }).ast).text).toContain("LIMIT 3");
    count(arrays, cmp(User, "age", 4));
    const isNull = count(arrays, cmp(User, "age", null));
    expect(isNull.text).toContain(`"age" = $1`);
    expect(isNull.params).toEqual([null]);
    expect(count(arrays, cmp(User, "age", 5)).text).toContain(`"age" = CAST($1 AS SIGNED)`);
  });

  it("gives an Update of other assigned fields, or NULL instead of a value, its own text", () => {
    const where = parseFilter(User, { id: "u1" }).ast;
    const update = (values: Record<string, unknown>) => statements.updateRows(arrays, User, where, values, true);
    update({ age: 3 });
    expect(update({ age: null }).text).toContain(`SET "age" = $1 WHERE`);
    expect(update({ age: 4 }).text).toContain(`SET "age" = CAST($1 AS SIGNED) WHERE`);
    expect(update({ name: "n" }).text).toContain(`SET "name" = $1 WHERE`);
    const two = update({ name: "n", age: 5 });
    expect(two.text).toContain(`SET "name" = $1, "age" = CAST($2 AS SIGNED) WHERE "id" = $3`);
    expect(two.params).toEqual(["n", 5, "u1"]);
    expect(update({ age: 5, name: "n" }).text).toContain(`SET "age" = CAST($1 AS SIGNED), "name" = $2`);
    expect(statements.updateRows(arrays, User, parseFilter(User, { email: "e" }).ast, { name: "m" }, true).text).toContain(`WHERE "email" = $2`);
    expect(statements.updateRows(arrays, User, where, { name: "m" }, false).text).not.toContain("RETURNING");
    // The fields object of an earlier run changed afterwards: the shape it was compiled with still counts.
    const reused: Record<string, unknown> = { age: null };
    expect(statements.updateRows(arrays, User, where, reused, true).text).toContain(`SET "age" = $1 WHERE`);
    reused.age = 7;
    const changed = statements.updateRows(arrays, User, where, reused, true);
    expect(changed.text).toContain(`SET "age" = CAST($1 AS SIGNED) WHERE`);
    expect(changed.params).toEqual([7, "u1"]);
  });

  it("gives a List of another limit/offset presence, cursor NULL pattern, select or order its own text", () => {
    const Ordered = new Model("Ordered", fields());
    const order = parseOrderBy(Ordered, ["-age", "id"]);
    const cases: Array<Partial<ListOperation>> = [
      {},
      { limit: undefined },
      { offset: 5 },
      { after: [3, "x"] },
      { after: [null, "x"] },
      { select: [Ordered.field("name")!] },
      { select: [Ordered.field("email")!] },
      { orderBy: parseOrderBy(Ordered, ["age", "id"]) },
      { orderBy: parseOrderBy(Ordered, ["-name", "id"]) },
    ];
    for (const before of cases)
      for (const extra of cases) {
        statements.listRows(plain, list(Ordered, { name: "a" }, before));
        const op = list(Ordered, { name: "b" }, extra);
        const got = statements.listRows(plain, op);
        const params = new Params(plain);
        const conditions = [compileFilter(op.where, plain, params)];
        if (op.after) conditions.push(keysetFilter(op.orderBy, op.after, plain, params));
        const limit = op.limit === undefined ? undefined : params.add(op.limit);
        const offset = op.offset === undefined ? undefined : params.add(op.offset);
        expect(got.text).toContain(` WHERE ${conditions.join(" AND ")}${orderByClause(op.orderBy, plain)}${plain.limitOffset(limit, offset)}`);
        const wanted = new Set([
          ...(op.select ?? Ordered.fields).map((f) => f.name),
          ...(op.select && op.limit !== undefined ? op.orderBy.map((t) => t.field.name) : []),
        ]);
        const columns = Ordered.fields.filter((f) => wanted.has(f.name)).map((f) => `"${f.name}"`);
        expect(got.text.startsWith(`SELECT ${columns.join(", ")} FROM "ordereds" WHERE`), got.text).toBe(true);
        expect(got.params).toEqual(params.values);
      }
  });
});

function list(model: Model, filter: unknown, extra: Partial<ListOperation> = {}): ListOperation {
  return {
    kind: "List",
    model,
    where: parseFilter(model, filter).ast,
    orderBy: parseOrderBy(model, ["-age", "id"]),
    limit: 10,
    offset: undefined,
    after: undefined,
    select: undefined,
    ...extra,
  } as ListOperation;
}
