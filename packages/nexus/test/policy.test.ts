import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DataFlow, field } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NexusOptions } from "../src/index.js";
import { Nexus } from "../src/index.js";
import type { Backend } from "./helpers.js";
import { call, sqliteBackend, startNexus } from "./helpers.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));
const SECRET = "a-test-secret-of-at-least-32-bytes!!";
const POLICY: NexusOptions = { auth: { jwt: { secret: SECRET, issuer: "tests" } }, tenantClaim: "tenant", deny: ["Order_*"], readOnly: true };

function token(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("alice")
    .setIssuer("tests")
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(secret));
}

interface Refusal {
  status: number;
  errorClass: string;
  code: string;
  field?: string | undefined;
}
const pick = (p: Refusal): Refusal => ({ status: p.status, errorClass: p.errorClass, code: p.code, field: p.field });

/** One request as every surface sends it: workflow, inputs, bearer token (or none). */
interface Case {
  readonly title: string;
  readonly workflow: string;
  readonly inputs: Record<string, unknown>;
  readonly token: () => Promise<string | undefined>;
  readonly expected: Refusal;
}

const CASES: Case[] = [
  {
    title: "no token",
    workflow: "User_List",
    inputs: {},
    token: async () => undefined,
    expected: { status: 401, errorClass: "AuthenticationError", code: "UNAUTHENTICATED", field: "authorization" },
  },
  {
    title: "a token signed with another key",
    workflow: "User_List",
    inputs: {},
    token: () => token({ tenant: "t1" }, "another-secret-that-is-also-32-bytes!"),
    expected: { status: 401, errorClass: "AuthenticationError", code: "UNAUTHENTICATED", field: "authorization" },
  },
  {
    title: "no tenant claim",
    workflow: "User_List",
    inputs: {},
    token: () => token({}),
    expected: { status: 403, errorClass: "TenantError", code: "TENANT_ERROR", field: "tenant" },
  },
  {
    title: "a denied workflow",
    workflow: "Order_List",
    inputs: {},
    token: () => token({ tenant: "t1" }),
    expected: { status: 403, errorClass: "ForbiddenError", code: "FORBIDDEN", field: "workflow" },
  },
  {
    title: "a write on a read-only server",
    workflow: "User_Create",
    inputs: { data: { id: "w1", name: "W", email: "w@x.org" } },
    token: () => token({ tenant: "t1" }),
    expected: { status: 403, errorClass: "ReadOnlyError", code: "READ_ONLY", field: "workflow" },
  },
];

let backend: Backend;
let nexus: Nexus;
let base: string;
beforeAll(async () => {
  backend = sqliteBackend();
  ({ nexus, base } = await startNexus(backend.url, POLICY));
});
afterAll(async () => {
  await nexus.stop();
  await backend.dispose();
});

function runCli(workflow: string, inputs: unknown, bearer: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, "run", workflow, JSON.stringify(inputs)], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: backend.url, NEXUS_OPTIONS: JSON.stringify(POLICY), ...(bearer ? { DATAFLOW_TOKEN: bearer } : {}) },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function mcpCall(transport: Transport, workflow: string, inputs: Record<string, unknown>): Promise<Refusal> {
  const client = new Client({ name: "policy-test", version: "1.0.0" });
  await client.connect(transport);
  try {
    const out = await client.callTool({ name: workflow, arguments: inputs });
    expect(out.isError).toBe(true);
    return JSON.parse((out.content as Array<{ text: string }>)[0]!.text);
  } finally {
    await client.close();
  }
}

describe("one policy, refused the same way on every surface", () => {
  it.each(CASES)("REST: $title", async (c) => {
    const bearer = await c.token();
    const res = await call(base, "POST", `/workflows/${c.workflow}/execute`, { inputs: c.inputs }, bearer ? { authorization: `Bearer ${bearer}` } : {});
    expect(res.type).toContain("application/problem+json");
    expect(pick(res.json)).toEqual(c.expected);
  });

  it.each(CASES)("CLI: $title", async (c) => {
    const out = await runCli(c.workflow, c.inputs, await c.token());
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(pick(JSON.parse(out.stderr))).toEqual(c.expected);
  });

  it.each(CASES)("MCP over Streamable HTTP: $title", async (c) => {
    const bearer = await c.token();
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} },
    });
    expect(pick(await mcpCall(transport, c.workflow, c.inputs))).toEqual(c.expected);
  });

  it.each(CASES)("MCP over stdio: $title", async (c) => {
    const bearer = await c.token();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [APP, "mcp"],
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: backend.url, NEXUS_OPTIONS: JSON.stringify(POLICY), ...(bearer ? { DATAFLOW_TOKEN: bearer } : {}) },
      stderr: "pipe",
    });
    expect(pick(await mcpCall(transport, c.workflow, c.inputs))).toEqual(c.expected);
  });

  it("lets an allowed read through on REST and the CLI", async () => {
    const bearer = await token({ tenant: "t1" });
    const rest = await call(base, "GET", "/api/User", undefined, { authorization: `Bearer ${bearer}` });
    expect(rest.status).toBe(200);
    expect(rest.json.result).toEqual([]);
    const cli = await runCli("User_Count", {}, bearer);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).results.count.result).toBe(0);
  });
});

describe("tenant from a claim (with @dataflow/tenancy)", () => {
  it("stamps and scopes rows by the caller's tenant claim", async () => {
    const own = sqliteBackend();
    const db = new DataFlow({ url: own.url, plugins: [tenancy({ strategy: "row" })], namespace: "tenanted" });
    db.model("Note", { text: field.string() }, { tenant: true });
    const server = new Nexus(db.getWorkflows(), { port: 0, auth: { jwt: { secret: SECRET } }, tenantClaim: "tenant" });
    const url = await server.start();
    const as = async (tenant: string) => ({ authorization: `Bearer ${await token({ tenant })}` });
    expect((await call(url, "POST", "/api/tenanted.Note", { text: "for a" }, await as("a"))).status).toBe(201);
    expect((await call(url, "POST", "/api/tenanted.Note", { text: "for b" }, await as("b"))).status).toBe(201);
    const seenByA = await call(url, "GET", "/api/tenanted.Note", undefined, await as("a"));
    expect(seenByA.json.result.map((n: { text: string }) => n.text)).toEqual(["for a"]);
    const spoof = await call(url, "POST", "/api/tenanted.Note", { text: "x", tenant_id: "b" }, await as("a"));
    expect(spoof.status).toBe(403);
    expect(spoof.json.errorClass).toBe("TenantError");
    await server.stop();
    await own.dispose();
  });
});
