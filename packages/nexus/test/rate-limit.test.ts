import type { DataFlow } from "@dataflow/kernel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimitStore } from "../src/index.js";
import { Gateway, MemoryRateLimitStore } from "../src/index.js";
import { call, makeDataFlow, sqliteBackend, startNexus } from "./helpers.js";

describe("rate limiting", () => {
  it("refuses the call past the limit with 429 and Retry-After", async () => {
    const own = sqliteBackend();
    const { nexus: limited, base: url } = await startNexus(own.url, { rateLimit: { max: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call(url, "GET", "/api/User");
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.json).toMatchObject({ errorClass: "RateLimitError", code: "RATE_LIMITED" });
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call(url, "GET", "/health")).status).toBe(200);
    await limited.stop();
    await own.dispose();
  });
});

describe("rate-limit stores", () => {
  let backend: ReturnType<typeof sqliteBackend>;
  let db: DataFlow;
  beforeAll(async () => {
    backend = sqliteBackend();
    db = makeDataFlow(backend.url);
    await db.initialize();
  });
  afterAll(async () => {
    await db.close();
    await backend.dispose();
  });

  /** Two gateways stand for two Nexus processes behind one balancer; `calls` alternate between them. */
  async function statuses(a: Gateway, b: Gateway, calls: number): Promise<Array<number | string>> {
    const out: Array<number | string> = [];
    for (let i = 0; i < calls; i++) {
      const gateway = i % 2 === 0 ? a : b;
      out.push(
        await gateway.execute("User_Count", {}, { surface: "cli" }).then(
          () => 200,
          (error: unknown) => gateway.problem(error, { surface: "cli" }).status,
        ),
      );
    }
    return out;
  }

  it("the default (memory) store counts per process: two processes let 2 x max through", async () => {
    const options = { rateLimit: { max: 2, windowMs: 60_000 } };
    expect(await statuses(new Gateway(db.getWorkflows(), options), new Gateway(db.getWorkflows(), options), 6)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("a store shared by the processes makes the limit global", async () => {
    const shared = new MemoryRateLimitStore();
    const options = { rateLimit: { max: 2, windowMs: 60_000, store: shared } };
    expect(await statuses(new Gateway(db.getWorkflows(), options), new Gateway(db.getWorkflows(), options), 6)).toEqual([200, 200, 429, 429, 429, 429]);
  });

  it("an asynchronous store is awaited, and one that fails refuses the call (fails closed)", async () => {
    const counts = new Map<string, number>();
    const remote: RateLimitStore = {
      increment: async (key, windowMs, now) => {
        await new Promise((resolve) => setImmediate(resolve));
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return { count: counts.get(key)!, resetAt: now + windowMs };
      },
    };
    const gateway = new Gateway(db.getWorkflows(), { rateLimit: { max: 1, store: remote } });
    expect(await statuses(gateway, gateway, 2)).toEqual([200, 429]);
    expect(counts.get("addr:cli")).toBe(2);
    const down = new Gateway(db.getWorkflows(), {
      rateLimit: {
        max: 1,
        store: {
          increment: () => {
            throw new Error("store unreachable");
          },
        },
      },
    });
    expect(await statuses(down, down, 1)).toEqual([500]);
  });

  it("the memory store opens a new window once the last has ended", () => {
    const store = new MemoryRateLimitStore();
    expect(store.increment("k", 1000, 0)).toEqual({ count: 1, resetAt: 1000 });
    expect(store.increment("k", 1000, 999)).toEqual({ count: 2, resetAt: 1000 });
    expect(store.increment("k", 1000, 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it("refuses a store without increment()", () => {
    expect(() => new Gateway(db.getWorkflows(), { rateLimit: { max: 1, store: {} as RateLimitStore } })).toThrow(/rateLimit.store/);
  });
});
