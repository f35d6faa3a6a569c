import { ClosedError, ConnectionError, ConstraintViolationError, DatabaseError, TimeoutError, UniqueViolationError, ValidationError } from "@dataflow/kernel";
import { MongoBulkWriteError, MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from "mongodb";
import { describe, expect, it } from "vitest";
import { mapMongoError } from "../src/index.js";

const ctx = { operation: "insertOne", collection: "users" };

describe("mapMongoError()", () => {
  it("maps a duplicate key to UniqueViolationError with the index fields and without the value", () => {
    const driver = new MongoServerError({
      code: 11000,
      errmsg: 'E11000 duplicate key error collection: shop.users index: email_1_tenant_1 dup key: { email: "ann@secret.example" }',
      keyPattern: { email: 1, tenant: 1 },
    });
    const e = mapMongoError(driver, ctx) as UniqueViolationError;
    expect(e).toBeInstanceOf(UniqueViolationError);
    expect(e.fields).toEqual(["email", "tenant"]);
    expect(e.message).not.toContain("ann@secret.example");
    expect(e.message).toContain("'users'");
    expect(e.cause).toBe(driver);
  });

  it("takes the fields from the index name when the server sends no keyPattern", () => {
    const driver = new MongoServerError({ code: 11000, errmsg: "E11000 duplicate key error collection: a.b index: sku_1 dup key: { sku: 1 }" });
    expect((mapMongoError(driver, ctx) as UniqueViolationError).fields).toEqual(["sku"]);
  });

  it("reports a bulk insert's duplicate with the count inserted before it", () => {
    const driver = new MongoBulkWriteError(
      {
        message: "E11000 duplicate key error",
        code: 11000,
        writeErrors: [{ code: 11000, errmsg: "E11000 duplicate key error index: sku_1 dup key: { sku: 3 }", index: 2 }],
      } as never,
      { insertedCount: 2, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: {}, upsertedIds: {} } as never,
    );
    const e = mapMongoError(driver, { operation: "insertMany", collection: "items" });
    expect(e).toBeInstanceOf(UniqueViolationError);
    expect(e.message).toContain("2 document(s) were inserted before it");
  });

  it("does not call a non-duplicate 11000 (the emulator's ObjectId refusal) a unique violation", () => {
    const driver = new MongoServerError({ code: 11000, errmsg: "input must be a 24 character hex string, 12 byte Uint8Array, or an integer" });
    const e = mapMongoError(driver, ctx) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.field).toBe("_id");
  });

  it("maps network and server selection failures to retryable ConnectionError", () => {
    for (const driver of [new MongoNetworkError("connection reset"), new MongoServerSelectionError("no server", {} as never)]) {
      const e = mapMongoError(driver, ctx) as ConnectionError;
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e.retryable).toBe(true);
    }
    expect(mapMongoError(new MongoTopologyClosedError(), ctx)).toBeInstanceOf(ClosedError);
  });

  it("maps time limits, validator failures, bad queries and the rest", () => {
    expect(mapMongoError(new MongoServerError({ code: 50, errmsg: "operation exceeded time limit" }), ctx)).toBeInstanceOf(TimeoutError);
    expect(mapMongoError(new MongoServerError({ code: 121, errmsg: "Document failed validation" }), ctx)).toBeInstanceOf(ConstraintViolationError);
    expect(mapMongoError(new MongoServerError({ code: 2, errmsg: "unknown operator: $foo" }), ctx)).toBeInstanceOf(ValidationError);
    expect(mapMongoError(new MongoServerError({ code: 8000, errmsg: "something else" }), ctx)).toBeInstanceOf(DatabaseError);
  });
});
