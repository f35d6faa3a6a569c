import type { NamedWorkflow } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import { AuthenticationError, ForbiddenError, Policy, ReadOnlyError } from "../src/index.js";

const wf = (name: string, access: NamedWorkflow["access"]) => ({ name, access }) as NamedWorkflow;

describe("Policy", () => {
  it("authenticates with a user hook and refuses what it refuses", async () => {
    const policy = new Policy({
      auth: { authenticate: (c) => (c.token === "letmein" ? { subject: "bob", claims: { tenant: "t9" } } : undefined) },
      tenantClaim: "tenant",
    });
    await expect(policy.decide(wf("User_List", "read"), { surface: "cli", token: "letmein" })).resolves.toMatchObject({
      tenantId: "t9",
      principal: { subject: "bob" },
    });
    await expect(policy.decide(wf("User_List", "read"), { surface: "cli", token: "nope" })).rejects.toBeInstanceOf(AuthenticationError);
    await expect(policy.decide(wf("User_List", "read"), { surface: "rest", headers: { authorization: "Basic abc" } })).rejects.toMatchObject({
      field: "authorization",
    });
  });

  it("matches allow and deny patterns, deny first, and read-only by access", async () => {
    const policy = new Policy({ allow: ["User_*", "signup"], deny: ["*_BulkDelete"] });
    expect(policy.permits(wf("User_List", "read"))).toBe(true);
    expect(policy.permits(wf("signup", "write"))).toBe(true);
    expect(policy.permits(wf("signups", "write"))).toBe(false);
    expect(policy.permits(wf("User_BulkDelete", "delete"))).toBe(false);
    expect(policy.permits(wf("Order_List", "read"))).toBe(false);
    await expect(policy.decide(wf("Order_List", "read"), { surface: "mcp" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(policy.decide(wf("User_Create", "write"), { surface: "mcp" }, true)).rejects.toBeInstanceOf(ReadOnlyError);
    expect(() => new Policy({ auth: { jwt: { secret: "x", jwksUrl: "http://localhost/jwks" } } })).toThrow(/exactly one/);
  });
});
