import { DataFlow } from "@dataflow/kernel";
import type { ConformanceSkip } from "@dataflow/testing";
import { runAdapterConformance, useMongoDatabase } from "@dataflow/testing";
import type { Document } from "mongodb";
import { MongoClient } from "mongodb";
import { describe, it } from "vitest";
import type { MongoCapabilities } from "../src/index.js";
import mongodb, { capabilitiesOf, missingReason } from "../src/index.js";

const provisioned = await useMongoDatabase();

/** Conformance tests that need a capability, by the capability's name. */
const NEEDS: Record<string, readonly string[]> = {
  uniqueIndexes: [
    "a duplicate unique value raises UniqueViolationError naming the field, not the value",
    "BulkCreate that hits a duplicate mid-way leaves no row of the node",
  ],
  validators: [
    "declaring models does no I/O; the table appears on first use",
    "new model fields become new columns; nothing is dropped or retyped",
    "existingSchemaMode and autoMigrate: false never run DDL",
  ],
  int64Order: ["every operator, in List and Count, matches the same rows"],
  boundedRegex: ["hostile: catastrophic $regex patterns finish in bounded time or are refused"],
  separateProcess: ["hostile: parameters inherited from a polluted Object.prototype are ignored"],
};

/** Limits of MongoDB itself, whatever the server. */
const MONGODB_LIMITS: ConformanceSkip[] = [
  ...[
    "orderBy a decimal is numeric, ascending and descending",
    "range filters and equality on a decimal are numeric and exact",
    "keyset pagination on a decimal column walks numeric order",
  ].map((test) => ({ test, reason: "MongoDB's Decimal128 holds 34 significant digits; the group's decimal(38, 10) is refused at declaration" })),
  ...[
    "1,000 early breaks leak no connection (pool and server)",
    "an abort ends the stream with AbortError and releases the connection, pulled or not",
    "stream inside db.transaction sees its uncommitted rows on the transaction's connection",
  ].map((test) => ({
    test,
    reason:
      "a MongoDB cursor holds no pooled connection between batches (the driver checks it in after each getMore), so the group's pool count cannot see it; test/model-stream.test.ts proves cursors are closed",
  })),
];

if (!provisioned.ok) {
  describe("MongoDB model conformance", () => it.skip(`skipped: ${provisioned.reason}`, () => {}));
} else {
  const { url, databaseName } = provisioned.db;
  const probe = new MongoClient(url);
  await probe.connect();
  const admin = probe.db("admin");
  const [build, hello] = await Promise.all([admin.command({ buildInfo: 1 }), admin.command({ hello: 1 })]);
  await probe.close();
  const caps = capabilitiesOf({ version: String(build.version), gitVersion: String(build.gitVersion), setName: hello.setName, msg: hello.msg });
  const idPath = caps.customIds ? "_id" : "id";
  const gated: ConformanceSkip[] = Object.entries(NEEDS).flatMap(([name, tests]) =>
    caps[name] ? [] : tests.map((test) => ({ test, reason: missingReason(caps, name as keyof MongoCapabilities & string) ?? name })),
  );

  runAdapterConformance({
    name: `mongodb (${provisioned.db.source === "emulator" ? "CongoServer emulator" : "real server"})`,
    createDataFlow: (options) => new DataFlow({ url, plugins: [mongodb], ...options }),
    worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
    urls: {
      invalid: ["mongodb://", "mongodb:///shop", "mongodb://host/bad.name", "mongodb://host/a%zz"],
      withPassword: (password) => `mongodb://app:${encodeURIComponent(password)}@127.0.0.1:9/${databaseName}?serverSelectionTimeoutMS=200`,
    },
    async createOracle() {
      const client = new MongoClient(url);
      await client.connect();
      const db = client.db(databaseName);
      const asRow = (doc: Document) => {
        const { _id, ...rest } = doc;
        return idPath === "_id" ? { id: _id, ...rest } : rest;
      };
      return {
        rows: async (table) =>
          (
            await db
              .collection(table)
              .find({}, { sort: { [idPath]: 1 } })
              .toArray()
          ).map(asRow),
        count: (table) => db.collection(table).countDocuments(),
        async columns(table) {
          const [info] = await db.listCollections({ name: table }).toArray();
          const props = (info as { options?: { validator?: { $jsonSchema?: { properties?: Document } } } } | undefined)?.options?.validator?.$jsonSchema
            ?.properties;
          return props ? Object.keys(props).map((p) => (p === idPath ? "id" : p)) : [];
        },
        close: () => client.close(),
      };
    },
    skip: [...MONGODB_LIMITS, ...gated],
    teardown: () => provisioned.db.dispose(),
  });
}
