import { useMongoDatabase } from "@dataflow/testing";
import { Long, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_LIMITS, MongoAdapter, UNPROBED_CAPABILITIES } from "../src/index.js";

const provisioned = await useMongoDatabase();
const source = provisioned.ok ? provisioned.db.source : undefined;

// The capability flags decide which tests skip; these checks keep the flags honest.
describe("the emulator's declared limits hold (a newer emulator that lifts one fails here)", () => {
  let adapter: MongoAdapter;
  let raw: MongoClient;
  const db = () => raw.db((provisioned as { db: { databaseName: string } }).db.databaseName);

  const realServer = "a real MongoDB is in use (DATAFLOW_TEST_MONGODB_URL / MONGODB_URL), not the emulator";

  beforeAll(async () => {
    if (!provisioned.ok || source !== "emulator") return;
    adapter = new MongoAdapter(provisioned.db.url);
    await adapter.connect();
    raw = new MongoClient(provisioned.db.url);
    await raw.connect();
  });
  afterAll(async () => {
    await adapter?.close();
    await raw?.close();
    if (provisioned.ok && source === "emulator") await provisioned.db.dispose();
  });

  it("is recognised as the emulator, with every declared limit switched off", (t) => {
    if (source !== "emulator") return t.skip(realServer);
    expect(adapter.capabilities.emulator).toBe(true);
    for (const name of Object.keys(EMULATOR_LIMITS)) {
      expect(adapter.capabilities[name], name).toBe(false);
      expect(adapter.missing(name as never)).toBe(EMULATOR_LIMITS[name]);
    }
    expect(adapter.capabilities.upsert).toBe(true);
  });

  it("does not enforce unique indexes", async (t) => {
    if (source !== "emulator") return t.skip(realServer);
    const c = db().collection("u");
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ k: 1 });
    await c.insertOne({ k: 1 });
    expect(await c.countDocuments({ k: 1 })).toBe(2);
  });

  it("refuses non-ObjectId _id values", async (t) => {
    if (source !== "emulator") return t.skip(realServer);
    await expect(
      db()
        .collection("ids")
        .insertOne({ _id: "text-id" as never }),
    ).rejects.toThrow(/24 character hex/);
  });

  it("neither stores nor enforces collection validators", async (t) => {
    if (source !== "emulator") return t.skip(realServer);
    await db().createCollection("validated", { validator: { $jsonSchema: { bsonType: "object", properties: { n: { bsonType: "int" } } } } });
    const [info] = await db().listCollections({ name: "validated" }).toArray();
    expect((info as { options?: { validator?: unknown } }).options?.validator).toBeUndefined();
    await db().collection("validated").insertOne({ n: "not an int" });
    expect(await db().collection("validated").countDocuments()).toBe(1);
  });

  it("does not compare int64 values beyond 2^53", async (t) => {
    if (source !== "emulator") return t.skip(realServer);
    const c = db().collection("longs");
    await c.insertOne({ big: Long.fromBigInt(9007199254740993n) });
    expect(await c.countDocuments({ big: { $gt: Long.fromBigInt(9007199254740992n) } })).toBe(0);
  });

  it("has no update pipelines, $out or $text", async (t) => {
    if (source !== "emulator") return t.skip(realServer);
    const c = db().collection("p");
    await c.insertOne({ a: 1, s: "coffee" });
    await expect(c.updateOne({ a: 1 }, [{ $set: { b: 2 } }])).rejects.toThrow();
    await expect(c.aggregate([{ $out: "p2" }]).toArray()).rejects.toThrow();
    await expect(c.find({ $text: { $search: "coffee" } }).toArray()).rejects.toThrow();
  });
});

describe("a real MongoDB server", () => {
  it("is not mistaken for the emulator", async (t) => {
    if (!provisioned.ok || source !== "env") return t.skip("no real MongoDB here: set DATAFLOW_TEST_MONGODB_URL to run this against one");
    const adapter = new MongoAdapter(provisioned.db.url);
    try {
      await adapter.connect();
      expect(adapter.capabilities.emulator).toBe(false);
      expect(adapter.capabilities.uniqueIndexes).toBe(UNPROBED_CAPABILITIES.uniqueIndexes);
    } finally {
      await adapter.close();
      await provisioned.db.dispose();
    }
  });
});
