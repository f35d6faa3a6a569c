import { DataFlow, ValidationError, WorkflowExecutionError, field } from "@dataflow/kernel";
import type { MongoTestDatabase } from "@dataflow/testing";
import { runNode, useMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MongoAdapter } from "../src/index.js";
import mongodb from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

const causeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error instanceof WorkflowExecutionError ? error.cause : error;
  }
  return undefined;
};

describe.skipIf(skipReason !== undefined)(`model collections on MongoDB (${provisioned.ok ? provisioned.db.source : skipReason})`, () => {
  let db: DataFlow;
  let raw: MongoClient;
  let adapter: MongoAdapter;

  beforeAll(async () => {
    db = new DataFlow({ url: server.url, plugins: [mongodb] });
    db.model("Member", { id: field.string(), email: field.string().unique().optional(), meta: field.json().optional() }, { table: "members" });
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

  it("creates the unique index, skipping documents whose key is null", async () => {
    const indexes = await raw.db(server.databaseName).collection("members").listIndexes().toArray();
    const email = indexes.find((ix) => ix.key.email === 1);
    expect(email).toMatchObject({ unique: true });
    if (adapter.capabilities.validators) expect(email!.partialFilterExpression).toEqual({ email: { $type: "string" } });
    // Two members without an email do not collide (SQL's NULLs never do).
    await runNode(db, "Member_BulkCreate", { data: [{ id: "m1" }, { id: "m2" }] });
    expect(await raw.db(server.databaseName).collection("members").countDocuments()).toBe(2);
  });

  it("keeps string ids verbatim in _id where the server allows it", async (t) => {
    if (!adapter.capabilities.customIds) return t.skip(adapter.missing("customIds")!);
    await runNode(db, "Member_Create", { data: { id: "00123" } });
    expect(
      await raw
        .db(server.databaseName)
        .collection("members")
        .findOne({ _id: "00123" as never }),
    ).toMatchObject({ _id: "00123" });
  });

  it("creates the collection with a $jsonSchema validator that the server enforces", async (t) => {
    if (!adapter.capabilities.validators) return t.skip(adapter.missing("validators")!);
    const [info] = await raw.db(server.databaseName).listCollections({ name: "members" }).toArray();
    const schema = (info as unknown as { options: { validator: { $jsonSchema: { properties: Record<string, unknown> } } } }).options.validator.$jsonSchema;
    expect(Object.keys(schema.properties).sort()).toEqual(["_id", "created_at", "email", "meta", "updated_at"]);
    await expect(
      raw
        .db(server.databaseName)
        .collection("members")
        .insertOne({ _id: "bad" as never, email: 5 }),
    ).rejects.toThrow();
  });

  it("refuses operator keys in JSON values, in data and in filters (operator injection)", async () => {
    const inData = await causeOf(runNode(db, "Member_Create", { data: { id: "x1", meta: { nested: { $where: "sleep(1000)" } } } }));
    expect(inData).toBeInstanceOf(ValidationError);
    expect((inData as ValidationError).field).toBe("data.meta");
    const inFilter = await causeOf(runNode(db, "Member_List", { filter: { meta: { a: { $ne: null } } } }));
    expect(inFilter).toBeInstanceOf(ValidationError);
    expect((inFilter as ValidationError).field).toMatch(/^filter\.meta/);
    expect(await raw.db(server.databaseName).collection("members").countDocuments({ id: "x1" })).toBe(0);
  });
});
