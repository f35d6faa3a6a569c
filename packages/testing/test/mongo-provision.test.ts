import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONGODB_URL_ENVS, useMongoDatabase } from "../src/index.js";
import type { MongoTestDatabase } from "../src/index.js";

const fromEnv = MONGODB_URL_ENVS.some((name) => process.env[name]?.trim());

describe("useMongoDatabase()", () => {
  let first: MongoTestDatabase;
  let second: MongoTestDatabase;

  beforeAll(async () => {
    const a = await useMongoDatabase();
    const b = await useMongoDatabase();
    if (!a.ok || !b.ok) throw new Error(`no MongoDB: ${a.ok ? "" : a.reason} ${b.ok ? "" : b.reason}`);
    first = a.db;
    second = b.db;
  });
  afterAll(async () => {
    await second?.dispose();
  });

  it("gives each caller its own database on one server", () => {
    expect(first.databaseName).not.toBe(second.databaseName);
    expect(new URL(first.url).host).toBe(new URL(second.url).host);
    expect(new URL(first.url).pathname).toBe(`/${first.databaseName}`);
    expect(first.source).toBe(fromEnv ? "env" : "emulator");
  });

  it("serves the official driver, and dispose() drops the database while the server stays up for the others", async () => {
    const client = new MongoClient(first.url, { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.db(first.databaseName).collection("probe").insertOne({ n: 1 });
      await client.db(second.databaseName).collection("probe").insertOne({ n: 2 });
      expect(await client.db(first.databaseName).collection("probe").countDocuments()).toBe(1);
      await first.dispose();
      const names = (await client.db(first.databaseName).admin().listDatabases()).databases.map((d) => d.name);
      expect(names).not.toContain(first.databaseName);
      expect(await client.db(second.databaseName).collection("probe").countDocuments()).toBe(1);
    } finally {
      await client.close();
    }
  });
});
