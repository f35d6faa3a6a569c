import type { Model } from "@dataflow/kernel";
import { DataFlow } from "@dataflow/kernel";
import { parseFilter } from "@dataflow/kernel/plugin";
import { FILTER_CASES, FILTER_ROWS, declareItem, useMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoAdapter } from "../src/index.js";
import { compileFilter, likeToRegex } from "../src/filter.js";
import { toBson } from "../src/codec.js";

const provisioned = await useMongoDatabase();

describe("likeToRegex()", () => {
  it("translates % and _ and honours backslash escapes", () => {
    expect(likeToRegex("al%")).toBe("^al[\\s\\S]*$");
    expect(likeToRegex("_eta")).toBe("^[\\s\\S]eta$");
    expect(likeToRegex("100\\%%")).toBe("^100%[\\s\\S]*$");
    expect(likeToRegex("a.b*")).toBe("^a\\.b\\*$");
  });
});

describe.skipIf(!provisioned.ok)(
  `the filter language compiled to MQL matches the conformance suite's cases (${provisioned.ok ? provisioned.db.source : "no MongoDB"})`,
  () => {
    let db: DataFlow;
    let raw: MongoClient;
    let model: Model;
    const server = provisioned.ok ? provisioned.db : undefined!;
    const items = () => raw.db(server.databaseName).collection("items");

    beforeAll(async () => {
      db = new DataFlow({ url: server.url, namespace: "filters" });
      model = declareItem(db, "items") as unknown as Model;
      raw = new MongoClient(server.url);
      await raw.connect();
      const docs = FILTER_ROWS.map((row) => {
        const doc: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(row)) {
          const f = model.field(name)!;
          doc[name] = f.kind === "datetime" && typeof value === "string" ? new Date(value) : toBson(f, value);
        }
        return doc;
      });
      await items().insertMany(docs);
    });
    afterAll(async () => {
      await db?.close();
      await raw?.close();
      await server.dispose();
    });

    /** Cases a deployment cannot answer, by title, with the capability that is missing. */
    const needs: Record<string, "int64Order"> = { "bigint beyond 2^53": "int64Order" };

    it("every case selects the same documents as on SQL", async () => {
      const adapter = new MongoAdapter(server.url);
      await adapter.connect();
      await adapter.close();
      const failures: string[] = [];
      for (const [title, filter, ids] of FILTER_CASES) {
        if (needs[title] && adapter.missing(needs[title])) continue;
        const mql = compileFilter(parseFilter(model, filter).ast, (f) => f.name);
        const found = (
          await items()
            .find(mql, { sort: { id: 1 } })
            .toArray()
        ).map((d) => d.id as string);
        const counted = await items().countDocuments(mql);
        if (JSON.stringify(found) !== JSON.stringify(ids) || counted !== ids.length) {
          failures.push(`${title}: expected ${JSON.stringify(ids)}, find gave ${JSON.stringify(found)}, count ${counted}; MQL ${JSON.stringify(mql)}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it("int64 values beyond 2^53 compare by value", async (t) => {
      const adapter = new MongoAdapter(server.url);
      await adapter.connect();
      await adapter.close();
      const reason = adapter.missing("int64Order");
      if (reason) return t.skip(reason);
      const mql = compileFilter(parseFilter(model, { big: { $gt: 9007199254740992n } }).ast, (f) => f.name);
      expect((await items().find(mql).toArray()).map((d) => d.id)).toEqual(["d"]);
    });

    it("keeps operator injection out: an object where a value is expected is refused by the parser", () => {
      expect(() => parseFilter(model, { name: { $where: "1" } })).toThrow();
      expect(() => parseFilter(model, { name: { $gt: { $function: {} } } })).toThrow();
    });
  },
);
