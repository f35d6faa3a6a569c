import { tracingChannel } from "node:diagnostics_channel";
import { ClosedError, ConnectionError, DataFlow, SchemaError, TransactionError, UniqueViolationError, ValidationError, field } from "@dataflow/kernel";
import { failureOf, runNode, useMongoDatabase } from "@dataflow/testing";
import type { MongoTestDatabase } from "@dataflow/testing";
import { MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoAdapter } from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

describe.skipIf(skipReason !== undefined)(`document nodes on MongoDB (${provisioned.ok ? provisioned.db.source : `skipped: ${skipReason}`})`, () => {
  let db: DataFlow;
  let raw: MongoClient;
  let adapter: MongoAdapter;
  const read = (collection: string) => raw.db(server.databaseName).collection(collection);
  /** Why the connected deployment cannot run a test, or undefined when it can. */
  const lacks = (name: Parameters<MongoAdapter["missing"]>[0]) => adapter.missing(name);

  beforeAll(async () => {
    // No plugin passed: the mongodb: scheme loads @dataflow/document-mongo by itself.
    db = new DataFlow({ url: server.url });
    await db.initialize();
    adapter = db.adapter as MongoAdapter;
    raw = new MongoClient(server.url);
    await raw.connect();
  });
  afterAll(async () => {
    await db?.close();
    await raw?.close();
    await server.dispose();
  });

  it("loads the adapter by URL scheme and probes the server", () => {
    // The scheme loads the package's build (dist), a different copy of the class than ../src.
    expect(adapter.constructor.name).toBe("MongoAdapter");
    expect(adapter.adapterType).toBe("document");
    expect(adapter.databaseType).toBe("mongodb");
    expect(adapter.databaseName).toBe(server.databaseName);
    expect(adapter.capabilities.emulator).toBe(server.source === "emulator");
    expect(adapter.serverFacts?.version).toMatch(/^\d+\.\d+/);
  });

  it("DocumentInsert stores one document, read back by the raw driver", async () => {
    const out = await runNode(db, "DocumentInsert", { collection: "people", document: { name: "Ann", age: 31, tags: ["a"] } });
    expect(out.result.insertedId).toBeInstanceOf(ObjectId);
    const stored = await read("people").findOne({ _id: out.result.insertedId });
    expect(stored).toMatchObject({ name: "Ann", age: 31, tags: ["a"] });
  });

  it("BulkDocumentInsert inserts in order and returns the ids", async () => {
    const documents = Array.from({ length: 25 }, (_, i) => ({ n: i, group: i % 3 === 0 ? "fizz" : "plain", at: new Date(Date.UTC(2024, 0, i + 1)) }));
    const out = await runNode(db, "BulkDocumentInsertNode", { collection: "numbers", documents, ordered: false });
    expect(out.result.inserted).toBe(25);
    expect(out.result.insertedIds).toHaveLength(25);
    const stored = await read("numbers")
      .find({}, { sort: { n: 1 } })
      .toArray();
    expect(stored.map((d) => d.n)).toEqual(documents.map((d) => d.n));
    expect(stored[0]!._id).toEqual(out.result.insertedIds[0]);
    expect(stored[4]!.at).toEqual(new Date(Date.UTC(2024, 0, 5)));
  });

  it("DocumentFind applies filter, projection, sort, skip and limit", async () => {
    const out = await runNode(db, "DocumentFind", {
      collection: "numbers",
      filter: { n: { $gte: 5 }, group: "plain" },
      projection: { _id: 0, n: 1 },
      sort: { n: -1 },
      skip: 1,
      limit: 3,
    });
    // n >= 5 and not a multiple of 3, descending: 23, 22, 20, 19, ...; skip 1, take 3.
    expect(out.result).toEqual([{ n: 22 }, { n: 20 }, { n: 19 }]);
    expect(out.count).toBe(3);
    const all = await runNode(db, "DocumentFindNode", { collection: "numbers" });
    expect(all.count).toBe(25);
    expect((await runNode(db, "DocumentFind", { collection: "numbers", limit: 0 })).result).toEqual([]);
  });

  it("DocumentCount counts matches", async () => {
    expect((await runNode(db, "DocumentCount", { collection: "numbers", filter: { group: "fizz" } })).result).toBe(9);
    expect((await runNode(db, "DocumentCountNode", { collection: "numbers" })).result).toBe(25);
    expect((await runNode(db, "DocumentCount", { collection: "no_such_collection" })).result).toBe(0);
  });

  it("DocumentUpdate updates the first match, every match with multi, and upserts", async () => {
    const one = await runNode(db, "DocumentUpdate", { collection: "numbers", filter: { group: "fizz" }, update: { $set: { seen: true } } });
    expect(one.result).toMatchObject({ matched: 1, modified: 1, upserted: 0 });
    const many = await runNode(db, "DocumentUpdate", { collection: "numbers", filter: { group: "fizz" }, update: { $inc: { n: 100 } }, multi: true });
    expect(many.result).toMatchObject({ matched: 9, modified: 9 });
    expect(await read("numbers").countDocuments({ n: { $gte: 100 } })).toBe(9);
    expect(await read("numbers").countDocuments({ seen: true })).toBe(1);
    const up = await runNode(db, "DocumentUpdateNode", { collection: "numbers", filter: { n: -1 }, update: { $set: { group: "new" } }, upsert: true });
    expect(up.result.upserted).toBe(1);
    expect(await read("numbers").findOne({ _id: up.result.upsertedId })).toMatchObject({ n: -1, group: "new" });
  });

  it("DocumentUpdate takes an update pipeline", async (t) => {
    const reason = lacks("pipelineUpdates");
    if (reason) return t.skip(reason);
    const out = await runNode(db, "DocumentUpdate", { collection: "numbers", filter: { n: 1 }, update: [{ $set: { double: { $multiply: ["$n", 2] } } }] });
    expect(out.result.modified).toBe(1);
    expect(await read("numbers").findOne({ n: 1 })).toMatchObject({ double: 2 });
  });

  it("DocumentDelete deletes one, or every match with multi", async () => {
    const before = await read("numbers").countDocuments({ group: "plain" });
    expect((await runNode(db, "DocumentDelete", { collection: "numbers", filter: { group: "plain" } })).result.deleted).toBe(1);
    expect(await read("numbers").countDocuments({ group: "plain" })).toBe(before - 1);
    expect((await runNode(db, "DocumentDeleteNode", { collection: "numbers", filter: { group: "plain" }, multi: true })).result.deleted).toBe(before - 1);
    expect(await read("numbers").countDocuments({ group: "plain" })).toBe(0);
  });

  it("Aggregate runs a pipeline under its name and its aliases", async () => {
    await read("sales").insertMany([
      { region: "north", amount: 10 },
      { region: "south", amount: 5 },
      { region: "north", amount: 7 },
      { region: "east", amount: 1 },
    ]);
    const pipeline = [{ $match: { amount: { $gt: 1 } } }, { $group: { _id: "$region", total: { $sum: "$amount" } } }, { $sort: { total: -1 } }];
    const expected = [
      { _id: "north", total: 17 },
      { _id: "south", total: 5 },
    ];
    for (const type of ["Aggregate", "AggregateNode", "MongoAggregate", "MongoAggregateNode"]) {
      const out = await runNode(db, type, { collection: "sales", pipeline });
      expect(out.result).toEqual(expected);
      expect(out.count).toBe(2);
    }
  });

  it("Aggregate refuses $out unless allowWriteStages is given", async () => {
    const refused = await failureOf(runNode(db, "Aggregate", { collection: "sales", pipeline: [{ $match: {} }, { $merge: { into: "x" } }] }));
    expect((refused as ValidationError).field).toBe("pipeline[1].$merge");
  });

  it("Aggregate writes with $out when allowWriteStages is given", async (t) => {
    const reason = lacks("writeStages");
    if (reason) return t.skip(reason);
    const refused = await failureOf(runNode(db, "Aggregate", { collection: "sales", pipeline: [{ $match: {} }, { $out: "sales_copy" }] }));
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).field).toBe("pipeline[1].$out");
    await runNode(db, "Aggregate", { collection: "sales", pipeline: [{ $match: { region: "north" } }, { $out: "sales_copy" }], allowWriteStages: true });
    expect(await read("sales_copy").countDocuments()).toBe(2);
  });

  it("CreateIndex creates single, compound, unique, sparse and TTL indexes", async () => {
    const made = [
      await runNode(db, "CreateIndex", { collection: "accounts", keys: { email: 1 }, unique: true }),
      await runNode(db, "CreateIndexNode", { collection: "accounts", keys: { org: 1, createdAt: -1 }, name: "org_recent" }),
      await runNode(db, "CreateIndex", { collection: "accounts", keys: { nickname: 1 }, sparse: true }),
      await runNode(db, "CreateIndex", { collection: "accounts", keys: { expiresAt: 1 }, expireAfterSeconds: 3600 }),
    ].map((o) => o.result.name);
    expect(made).toEqual(["email_1", "org_recent", "nickname_1", "expiresAt_1"]);
    const indexes = await read("accounts").listIndexes().toArray();
    const byName = Object.fromEntries(indexes.map((i) => [i.name, i]));
    expect(byName.email_1).toMatchObject({ key: { email: 1 }, unique: true });
    expect(byName.org_recent).toMatchObject({ key: { org: 1, createdAt: -1 } });
    expect(byName.nickname_1).toMatchObject({ sparse: true });
    expect(byName.expiresAt_1).toMatchObject({ expireAfterSeconds: 3600 });
  });

  it("CreateIndex makes text and 2dsphere indexes that $text and $near use", async (t) => {
    const reason = lacks("textSearch") ?? lacks("geoQueries");
    if (reason) return t.skip(reason);
    await runNode(db, "CreateIndex", { collection: "places", keys: { description: "text" } });
    await runNode(db, "CreateIndex", { collection: "places", keys: { location: "2dsphere" } });
    await read("places").insertMany([
      { description: "quiet coffee shop", location: { type: "Point", coordinates: [13.4, 52.52] } },
      { description: "loud bar", location: { type: "Point", coordinates: [2.35, 48.85] } },
    ]);
    const text = await runNode(db, "DocumentFind", { collection: "places", filter: { $text: { $search: "coffee" } } });
    expect(text.result.map((d: { description: string }) => d.description)).toEqual(["quiet coffee shop"]);
    const near = await runNode(db, "DocumentFind", {
      collection: "places",
      filter: { location: { $near: { $geometry: { type: "Point", coordinates: [2.3, 48.8] }, $maxDistance: 50_000 } } },
    });
    expect(near.result.map((d: { description: string }) => d.description)).toEqual(["loud bar"]);
  });

  it("a duplicate key on a unique index is a UniqueViolationError naming the field, not the value", async (t) => {
    const reason = lacks("uniqueIndexes");
    if (reason) return t.skip(reason);
    await runNode(db, "CreateIndex", { collection: "members", keys: { email: 1 }, unique: true });
    await runNode(db, "DocumentInsert", { collection: "members", document: { email: "ann@example.com" } });
    const e = await failureOf(runNode(db, "DocumentInsert", { collection: "members", document: { email: "ann@example.com" } }));
    expect(e).toBeInstanceOf(UniqueViolationError);
    expect((e as UniqueViolationError).fields).toEqual(["email"]);
    expect(e.message).not.toContain("ann@example.com");
    const bulk = await failureOf(
      runNode(db, "BulkDocumentInsert", {
        collection: "members",
        documents: [{ email: "b@example.com" }, { email: "ann@example.com" }, { email: "c@example.com" }],
      }),
    );
    expect(bulk).toBeInstanceOf(UniqueViolationError);
    expect(await read("members").countDocuments({ email: "c@example.com" })).toBe(0);
  });

  it("a duplicate _id is a UniqueViolationError on _id", async () => {
    const _id = new ObjectId();
    await runNode(db, "DocumentInsert", { collection: "dups", document: { _id, v: 1 } });
    const e = await failureOf(runNode(db, "DocumentInsert", { collection: "dups", document: { _id, v: 2 } }));
    expect(e).toBeInstanceOf(UniqueViolationError);
    expect((e as UniqueViolationError).fields).toEqual(["_id"]);
    expect(await read("dups").findOne({ _id })).toMatchObject({ v: 1 });
  });

  it("string _id values are stored verbatim", async (t) => {
    const reason = lacks("customIds");
    if (reason) return t.skip(reason);
    const out = await runNode(db, "DocumentInsert", { collection: "keyed", document: { _id: "user-42", name: "Zed" } });
    expect(out.result.insertedId).toBe("user-42");
    expect(await read("keyed").findOne({ _id: "user-42" as never })).toMatchObject({ name: "Zed" });
  });

  it("refuses unsafe MQL and bad params with a ValidationError naming the path", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["DocumentFind", { collection: "numbers", filter: { $where: "sleep(100) || true" } }, "filter.$where"],
      ["DocumentCount", { collection: "numbers", filter: { $expr: { $function: { body: "1", args: [], lang: "js" } } } }, "filter.$expr.$function"],
      ["DocumentUpdate", { collection: "numbers", filter: {}, update: { name: "replacement" } }, "update"],
      ["Aggregate", { collection: "sales", pipeline: [{ $group: { _id: null, x: { $accumulator: {} } } }] }, "pipeline[0].$group.x.$accumulator"],
      ["DocumentFind", { collection: "system.users" }, "collection"],
      ["DocumentFind", { collection: "numbers", sort: { n: "up" } }, "sort.n"],
      ["DocumentFind", { collection: "numbers", limit: -1 }, "limit"],
      ["CreateIndex", { collection: "numbers", keys: { a: 1, b: 1 }, expireAfterSeconds: 5 }, "expireAfterSeconds"],
      ["CreateIndex", { collection: "numbers", keys: { a: "fulltext" } }, "keys.a"],
    ];
    for (const [type, params, field] of cases) {
      const e = await failureOf(runNode(db, type, params));
      expect(e, `${type} ${JSON.stringify(params)}`).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).field).toBe(field);
    }
  });

  it("checks MQL before any I/O: an unreachable server still gets the ValidationError", async () => {
    const offline = new DataFlow({ url: "mongodb://127.0.0.1:9/nowhere", namespace: "offline", adapter: { serverSelectionTimeoutMs: 200 } });
    try {
      const e = await failureOf(runNode(offline, "DocumentFind", { collection: "x", filter: { $where: "true" } }));
      expect(e).toBeInstanceOf(ValidationError);
      const down = await failureOf(runNode(offline, "DocumentFind", { collection: "x", filter: {} }));
      expect(down).toBeInstanceOf(ConnectionError);
      expect((down as ConnectionError).retryable).toBe(true);
      const health = await offline.healthCheck();
      expect(health.ok).toBe(false);
    } finally {
      await offline.close();
    }
  });

  it("traces each driver call on the dataflow:query channel, without values", async () => {
    const seen: { system: string; operation: string; text: string }[] = [];
    const handlers = { start: (ctx: unknown) => void seen.push(ctx as (typeof seen)[number]) };
    const channel = tracingChannel("dataflow:query");
    channel.subscribe(handlers as never);
    try {
      await runNode(db, "DocumentCount", { collection: "numbers", filter: { secret: "s3cr3t" } });
    } finally {
      channel.unsubscribe(handlers as never);
    }
    expect(seen).toEqual([expect.objectContaining({ system: "mongodb", operation: "countDocuments", text: "countDocuments numbers" })]);
    expect(JSON.stringify(seen)).not.toContain("s3cr3t");
  });

  it("healthCheck answers, and a closed adapter refuses work with ClosedError", async () => {
    expect((await db.healthCheck()).ok).toBe(true);
    const other = new MongoAdapter(server.url);
    await other.connect();
    expect((await other.healthCheck()).ok).toBe(true);
    await other.close();
    await expect(other.collection("people")).rejects.toBeInstanceOf(ClosedError);
  });

  it("a model with a decimal beyond Decimal128's 34 digits is a SchemaError naming the field", async () => {
    const other = new DataFlow({ url: server.url, namespace: "models" });
    try {
      other.model("Ledger", { amount: field.decimal({ precision: 38, scale: 2 }) });
      const error = await other.initialize().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).field).toBe("amount");
    } finally {
      await other.close();
    }
  });

  it("transactions: refused with a typed error where the deployment has none", async (t) => {
    if (adapter.capabilities.transactions) return t.skip("this deployment supports transactions");
    await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(TransactionError);
    await expect(adapter.transaction(async () => 1)).rejects.toThrow(adapter.missing("transactions")!);
  });
});
