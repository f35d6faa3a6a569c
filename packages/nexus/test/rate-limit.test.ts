import { describe, expect, it } from "vitest";
import { call, sqliteBackend, startNexus } from "./helpers.js";

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
