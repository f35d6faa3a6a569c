import { inspect } from "node:util";
import { DataFlow } from "@dataflow/kernel";
import { runNode, failureOf, useMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";

const provisioned = await useMongoDatabase();

function printed(value: unknown): string {
  return [inspect(value), inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })].join("\n");
}

describe.skipIf(!provisioned.ok)("credentials never show", () => {
  afterAll(async () => {
    if (provisioned.ok) await provisioned.db.dispose();
  });

  it("util.inspect of the DataFlow, its adapter, its errors and health check never print the URL's password", async () => {
    const server = provisioned.ok ? provisioned.db : undefined!;
    const password = "Pw-0b5cure-9f2";
    const url = new URL(server.url);
    url.username = "app";
    url.password = password;
    const secretUrl = url.toString();
    // An unreachable port too: connection errors carry the topology, never the credentials.
    const offline = `mongodb://app:${password}@127.0.0.1:9/x`;
    // Control: the driver's own client does print it, so hiding the client is what keeps it out.
    const client = new MongoClient(secretUrl);
    expect(printed(client)).toContain(password);
    await client.close();
    for (const target of [secretUrl, offline]) {
      const db = new DataFlow({ url: target, namespace: "secret", adapter: { serverSelectionTimeoutMs: 300 } });
      try {
        expect(printed(db)).not.toContain(password);
        const failure = await failureOf(runNode(db, "DocumentCount", { collection: "x" })).catch((e: unknown) => e);
        const health = await db.healthCheck();
        expect(printed(db)).not.toContain(password);
        expect(printed(db.adapter)).not.toContain(password);
        expect(printed(failure)).not.toContain(password);
        expect(printed(health)).not.toContain(password);
        expect((db.adapter as unknown as { url: string }).url).not.toContain(password);
      } finally {
        await db.close();
      }
      expect(printed(db)).not.toContain(password);
    }
  });
});
