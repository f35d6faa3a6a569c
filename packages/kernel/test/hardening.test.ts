import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import type { DataFlow } from "../src/index.js";
import { DataFlow as DataFlowClass, ValidationError, WorkflowBuilder, WorkflowValidationError, defineNode, field, LocalRuntime } from "../src/index.js";
import type { Plugin } from "../src/plugin-api.js";
import { Model, checkTransactionOptions, definePlugin, encodeCursor, normalizeOperation, parseFilter, quoteName } from "../src/plugin-api.js";
import { caught, declarationOnly } from "./fixtures.js";

const Item = new Model("Item", { name: field.string(), price: field.int().optional() });
const Big = new Model("Big", { id: field.bigint(), name: field.string() });

/** Sets properties on Object.prototype for the duration of `fn`, and always removes them. */
function polluted<T>(props: Record<string, unknown>, fn: () => T): T {
  const proto = Object.prototype as Record<string, unknown>;
  for (const [k, v] of Object.entries(props)) Object.defineProperty(proto, k, { value: v, configurable: true, writable: true, enumerable: true });
  try {
    return fn();
  } finally {
    for (const k of Object.keys(props)) delete proto[k];
  }
}

const open: DataFlow[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

describe("bulk-write guard on the normalized filter", () => {
  const alwaysTrue = [
    {},
    { $or: [{}] },
    { $not: { $or: [] } },
    { $and: [{}, {}] },
    { $and: [{ $or: [{}, { name: "a" }] }] },
    { $not: { $not: {} } },
    { $or: [{ name: "a" }, { $not: { $or: [] } }] },
  ];
  for (const filter of alwaysTrue) {
    it(`refuses ${JSON.stringify(filter)} without all: true`, () => {
      for (const kind of ["BulkDelete", "BulkUpdate"] as const) {
        const error = caught(() => normalizeOperation(Item, kind, { filter, fields: { name: "x" } }));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.field).toBe("filter");
        expect(() => normalizeOperation(Item, kind, { filter, fields: { name: "x" }, all: true })).not.toThrow();
      }
      for (const kind of ["Update", "Delete"] as const) {
        expect(caught(() => normalizeOperation(Item, kind, { filter, fields: { name: "x" } }))).toBeInstanceOf(ValidationError);
      }
    });
  }

  it("accepts filters that restrict or match nothing", () => {
    for (const filter of [{ name: "a" }, { $or: [] }, { $not: {} }, { $and: [{}, { name: "a" }] }, { price: { $in: [] } }]) {
      expect(() => normalizeOperation(Item, "BulkDelete", { filter })).not.toThrow();
    }
  });

  it("rejects a non-boolean all", () => {
    expect(caught(() => normalizeOperation(Item, "BulkDelete", { filter: {}, all: "yes" })).field).toBe("all");
  });
});

describe("options and parameters are read as own properties only", () => {
  it("an inherited all, includeDeleted or id is ignored", () => {
    polluted({ all: true, includeDeleted: true }, () => {
      expect(caught(() => normalizeOperation(Item, "BulkDelete", { filter: {} }))).toBeInstanceOf(ValidationError);
      expect(caught(() => normalizeOperation(Item, "BulkUpdate", { filter: { $or: [{}] }, fields: { name: "x" } }))).toBeInstanceOf(ValidationError);
    });
    polluted({ id: 1 }, () => {
      expect(caught(() => normalizeOperation(Item, "Delete", {}))).toBeInstanceOf(ValidationError);
    });
  });

  it("an inherited includeDeleted, raiseOnNotFound, filter, fields or data changes no single-row operation", () => {
    const Soft = new Model("SoftItem", { name: field.string() }, { softDelete: true });
    polluted({ includeDeleted: true, raiseOnNotFound: false, filter: { name: "x" } }, () => {
      const read = normalizeOperation(Soft, "Read", { id: 1 }) as { where: { t: string }; raiseOnNotFound: boolean };
      expect(read.raiseOnNotFound).toBe(true);
      expect(read.where.t).toBe("and");
      expect((normalizeOperation(Soft, "Delete", { id: 1 }) as { raiseOnNotFound: boolean }).raiseOnNotFound).toBe(true);
    });
    polluted({ fields: { name: "x" }, data: { name: "x" } }, () => {
      expect(caught(() => normalizeOperation(Item, "Update", { id: 1 })).field).toBe("fields");
      expect(caught(() => normalizeOperation(Item, "Create", {})).field).toBe("data");
    });
  });

  it("Object.prototype.url does not change the database new DataFlow({}) opens", () => {
    const seen: string[] = [];
    const recorder: Plugin = definePlugin({
      name: "recorder",
      kernel: "^1",
      adapters: [
        {
          schemes: ["sqlite", "evil"],
          create: (url, options) => {
            seen.push(url, String(options.pool), String((options as Record<string, unknown>).ssl));
            return {
              adapterType: "test",
              databaseType: "none",
              capabilities: {} as never,
              connect: async () => {},
              close: async () => {},
              healthCheck: async () => ({ ok: true, latencyMs: 0 }),
              stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
              ensureSchema: async () => {},
            };
          },
        },
      ],
    });
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      polluted({ url: "evil://attacker", pool: { max: 1 }, ssl: "off", autoMigrate: false, polo: 1 }, () => {
        open.push(new DataFlowClass({ plugins: [recorder] }));
      });
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
    expect(seen).toEqual(["sqlite::memory:", "undefined", "undefined"]);
  });

  it("inherited transaction and runtime options are ignored", () => {
    polluted({ isolationLevel: "serializable", readOnly: true, maxConcurrency: 0 }, () => {
      expect(Object.keys(checkTransactionOptions({}))).toEqual([]);
      expect(checkTransactionOptions({}).readOnly).toBeUndefined();
      expect(checkTransactionOptions({}).isolationLevel).toBeUndefined();
      expect(() => new LocalRuntime({})).not.toThrow();
    });
  });

  it("inherited model and field options are ignored", () => {
    polluted({ table: "victims", softDelete: true, default: { value: "x" }, maxLength: 1 }, () => {
      const m = new Model("Account", { name: field.string() });
      expect(m.table).toBe("accounts");
      expect(m.softDelete).toBe(false);
      expect(m.field("name")!.default).toBeUndefined();
      expect(m.field("name")!.maxLength).toBe(255);
    });
  });
});

describe("DataFlow options are validated at construction", () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ polo: { max: 2 } }, "polo", /Unknown DataFlow option 'polo'.*Did you mean 'pool'/],
    [{ autoMigrate: "false" }, "autoMigrate", /autoMigrate must be true or false/],
    [{ existingSchemaMode: 1 }, "existingSchemaMode", /true or false/],
    [{ logger: "yes" }, "logger", /logger must be an object/],
    [{ pool: { max: -1 } }, "pool.max", /pool.max must be an integer >= 1/],
    [{ pool: { max: 0 } }, "pool.max", /pool.max/],
    [{ pool: { max: 1.5 } }, "pool.max", /pool.max/],
    [{ pool: { max: "5" } }, "pool.max", /pool.max.*a string/],
    [{ pool: { min: 5, max: 2 } }, "pool.min", /larger than pool.max/],
    [{ pool: { maxx: 5 } }, "pool.maxx", /Unknown pool option 'maxx'.*Did you mean 'max'/],
    [{ pool: { acquireTimeoutMs: -5 } }, "pool.acquireTimeoutMs", /integer >= 0/],
    [{ plugins: [null] }, "plugins[0]", /plugins\[0\] is not a plugin/],
    [{ plugins: [declarationOnly, undefined] }, "plugins[1]", /plugins\[1\]/],
    [{ plugins: "x" }, "plugins", /array/],
    [{ url: 42 }, "url", /url must be a non-empty string/],
    [{ adapter: "x" }, "adapter", /adapter must be a plain object/],
  ];
  for (const [options, fieldName, message] of cases) {
    it(`${JSON.stringify(options)} -> ValidationError on '${fieldName}'`, () => {
      const error = caught(() => new DataFlowClass({ url: "test://", plugins: [declarationOnly], ...options } as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.field).toBe(fieldName);
      expect(error.message).toMatch(message);
      expect(error.fix).toBeTruthy();
    });
  }

  it("valid options still work", () => {
    const db = new DataFlowClass({
      url: "test://",
      plugins: [declarationOnly],
      autoMigrate: false,
      pool: { max: 3, min: 1 },
      logger: console,
      adapter: { x: 1 },
    });
    open.push(db);
    expect(db.plugins.map((p) => p.name)).toEqual(["declaration-only"]);
  });
});

describe("keyset cursors", () => {
  const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64url");
  const forged = [
    forge({ k: "id", v: [{ b: "not a number" }] }),
    forge({ k: "id", v: [{ b: "1".repeat(5000) }] }),
    forge({ k: "id", v: [{ d: 5 }] }),
    forge({ k: "id", v: [{}] }),
    forge({ k: "id", v: ["abc"] }),
    forge({ k: "id", v: [{ b: "1e3" }] }),
  ];
  for (const after of forged) {
    it(`a forged cursor is a ValidationError on 'after' (${after.slice(0, 24)}...)`, () => {
      const error = caught(() => normalizeOperation(Big, "List", { after }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.field).toBe("after");
    });
  }
  it("a genuine bigint cursor still decodes", () => {
    const op = normalizeOperation(Big, "List", { after: forge({ k: "id", v: [{ b: "9007199254740993" }] }) });
    expect(op.kind === "List" && op.after).toEqual([9007199254740993n]);
  });
  it("encodeCursor writes the JSON of { k, v } byte for byte (instants as { d }, bigints as { b }), and List decodes it", () => {
    const Row = new Model("Row", { name: field.string(), score: field.float(), at: field.datetime(), big: field.bigint(), on: field.boolean() });
    const order = (name: string, direction: "asc" | "desc") => ({ field: Row.field(name)!, direction });
    const at = new Date(Date.UTC(2026, 11, 7, 3, 4, 5, 678));
    const cases: Array<[Record<string, unknown>, string, "asc" | "desc"]> = [
      [{ name: 'quote " back \\ é 日本 \u2028', id: 7 }, "name", "desc"],
      [{ score: -0.5, id: 8 }, "score", "asc"],
      [{ score: 1e21, id: 9 }, "score", "desc"],
      [{ score: Number.NaN, id: 10 }, "score", "asc"],
      [{ at, id: 11 }, "at", "asc"],
      [{ big: -9007199254740993n, id: 12 }, "big", "desc"],
      [{ on: false, id: 13 }, "on", "asc"],
      [{ name: null, id: 14 }, "name", "asc"],
      [{ id: 15 }, "name", "asc"],
    ];
    for (const [row, name, direction] of cases) {
      const orderBy = [order(name, direction), order("id", direction)];
      const v = orderBy.map((t) => {
        const value = row[t.field.name];
        return value instanceof Date ? { d: value.toISOString() } : typeof value === "bigint" ? { b: value.toString() } : value;
      });
      const k = orderBy.map((t) => `${t.direction === "desc" ? "-" : ""}${t.field.name}`).join(",");
      const cursor = encodeCursor(row, orderBy);
      expect(cursor).toBe(forge({ k, v }));
      if (Number.isNaN(row.score)) continue;
      const op = normalizeOperation(Row, "List", { orderBy: `${direction === "desc" ? "-" : ""}${name}`, after: cursor });
      expect(op.kind === "List" && op.after![1]).toBe(row.id);
    }
  });
});

describe("build() of large graphs", () => {
  const step = defineNode({ type: "Step", params: {}, run: () => ({}) });
  it("a 10,000-node chain added in reverse dependency order", () => {
    const b = new WorkflowBuilder();
    const n = 10_000;
    for (let i = 0; i < n; i++) b.addNode(step, `n${i}`);
    for (let i = 0; i < n - 1; i++) b.addDependency(`n${i + 1}`, `n${i}`);
    const wf = b.build();
    expect(wf.nodes[0]!.id).toBe(`n${n - 1}`);
    expect(wf.nodes.at(-1)!.id).toBe("n0");
  });
  it("a 10,000-node cycle is a WorkflowValidationError naming a few of its nodes", () => {
    const b = new WorkflowBuilder();
    const n = 10_000;
    for (let i = 0; i < n; i++) b.addNode(step, `n${i}`);
    for (let i = 0; i < n; i++) b.addDependency(`n${(i + 1) % n}`, `n${i}`);
    const error = caught(() => b.build());
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect(error.message).toMatch(/cycle: n\d+ -> n\d+ .*10000 nodes in the cycle/);
    expect(error.message.length).toBeLessThan(400);
  });
});

describe("bounded work for huge names", () => {
  function runBounded(
    scenario: string,
    size: number,
    limitMs = 30_000,
  ): Promise<{ ms: number; threw: boolean; name: string; message: string; field?: string }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL("./fixtures/bounded-work.mjs", import.meta.url), { workerData: { scenario, size } });
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`${scenario} did not finish within ${limitMs} ms`));
      }, limitMs);
      worker.once("message", (m) => {
        clearTimeout(timer);
        void worker.terminate();
        resolve(m);
      });
      worker.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  it("a 1 MB unknown node type: no suggestion work, a short message", async () => {
    const r = await runBounded("unknownNodeType", 1 << 20);
    expect(r.name).toBe("WorkflowValidationError");
    expect(r.ms).toBeLessThan(1000);
    expect(r.message.length).toBeLessThan(300);
    expect(r.message).toMatch(/1048576 characters/);
  }, 40_000);

  it("a 10 MB unknown field name: a short message and field", async () => {
    const r = await runBounded("unknownFieldName", 10 << 20);
    expect(r.name).toBe("ValidationError");
    expect(r.ms).toBeLessThan(1000);
    expect(r.message.length).toBeLessThan(300);
    expect(r.field!.length).toBeLessThan(100);
  }, 40_000);

  it("names are cut by one helper", () => {
    expect(quoteName("name")).toBe("'name'");
    expect(quoteName("z".repeat(100))).toBe(`'${"z".repeat(32)}…(100 characters)'`);
    const error = caught(() => parseFilter(Item, { ["q".repeat(200)]: 1 }));
    expect(error.message).toContain("…(200 characters)");
  });
});

describe("two models never share a table, two fields never share a column", () => {
  const db = () => {
    const d = new DataFlowClass({ url: "test://collisions", plugins: [declarationOnly] });
    open.push(d);
    return d;
  };
  const pairs: Array<[string, string, (Record<string, unknown> | undefined)?, Record<string, unknown>?]> = [
    ["CaseX", "casex"],
    ["XDatum", "XData"],
    ["XAcct", "X_acct"],
    ["User", "Account", undefined, { table: "Users" }],
    ["Person", "Human", undefined, { table: "People" }],
    ["Order", "Purchase", { table: "orders" }, { table: "ORDERS" }],
  ];
  for (const [first, second, o1, o2] of pairs) {
    it(`${first} then ${second} on one instance`, () => {
      const d = db();
      d.model(first, { n: field.int() }, o1);
      const error = caught(() => d.model(second, { n: field.int() }, o2));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(`'${first}'`);
      expect(error.message).toContain(`'${second}'`);
      expect(d.models.has(second)).toBe(false);
    });
  }

  it("across live instances on the same database URL", () => {
    db().model("XDatum", { n: field.int() });
    const error = caught(() => db().model("XData", { n: field.int() }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/'XData'.*'XDatum'/);
  });

  it("the same model on two namespaced instances, and distinct tables, stay allowed", () => {
    const a = new DataFlowClass({ url: "test://collisions", plugins: [declarationOnly], namespace: "a" });
    const b = new DataFlowClass({ url: "test://collisions", plugins: [declarationOnly], namespace: "b" });
    open.push(a, b);
    a.model("Shared", { n: field.int() });
    b.model("Shared", { n: field.int() });
    a.model("CaseY", { n: field.int() });
    expect(() => a.model("CaseZ", { n: field.int() })).not.toThrow();
  });

  const fieldCases: Array<[Record<string, unknown>, string, string, Record<string, unknown>?]> = [
    [{ Name: field.string(), name: field.string() }, "Name", "name"],
    [{ ID: field.int() }, "id", "ID"],
    [{ Created_At: field.datetime() }, "Created_At", "created_at"],
    [{ Deleted_AT: field.datetime().optional() }, "Deleted_AT", "deleted_at", { softDelete: true }],
  ];
  for (const [shape, a, b, options] of fieldCases) {
    it(`fields ${a} and ${b}`, () => {
      const error = caught(() => new Model("Thing", shape as never, options));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(`'${a}'`);
      expect(error.message).toContain(`'${b}'`);
    });
  }

  it("a plugin's system field clashing by case with a user field", () => {
    const m = new Model("Doc", { Tenant_Id: field.string() });
    const error = caught(() => m.addSystemField("tenant_id", { kind: "string", optional: false, unique: false, index: false, maxLength: 64 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/'Tenant_Id' and 'tenant_id'/);
  });
});
