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
import { call, driftedBackend, makeDataFlow, sqliteBackend, startNexus } from "./helpers.js";

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
  /**
   * Sent to a database whose `users` table has drifted from the model (a required column it lacks),
   * served by a DataFlow of namespace `drifted` (two live instances in one process cannot both declare `User`).
   */
  readonly drifted?: boolean;
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
  {
    title: "an allowed read of a model whose table has drifted (a typed failure, not 'Internal error')",
    workflow: "drifted.User_List",
    inputs: {},
    token: () => token({ tenant: "t1" }),
    expected: { status: 500, errorClass: "SchemaDriftError", code: "SCHEMA_DRIFT", field: "legacy" },
    drifted: true,
  },
];

/** What every surface must carry for the drifted table besides the refusal: the fix, and no SQL text or stack. */
function expectSchemaDetail(problem: { title: string; fix?: string; detail: string }): void {
  expect(problem.title).toBe("Database schema mismatch");
  expect(problem.fix).toMatch(/Add the field 'legacy' to the model/);
  expect(problem.detail).toMatch(/required column 'legacy'/);
  for (const leak of ["SELECT", "CREATE TABLE", "    at ", "stack"]) expect(JSON.stringify(problem)).not.toContain(leak);
}

let backend: Backend;
let nexus: Nexus;
let base: string;
let drifted: Backend;
let driftedNexus: Nexus;
let driftedBase: string;
beforeAll(async () => {
  backend = sqliteBackend();
  ({ nexus, base } = await startNexus(backend.url, POLICY));
  drifted = await driftedBackend();
  // start() would refuse this database (see errors.test.ts); listening without it leaves the schema
  // check to the first request, as `dataflow run` and `dataflow mcp` do.
  driftedNexus = new Nexus(makeDataFlow(drifted.url, "drifted").getWorkflows(), { port: 0, ...POLICY });
  driftedBase = await driftedNexus.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await nexus.stop();
  await driftedNexus.stop();
  await backend.dispose();
  await drifted.dispose();
});

/** The child process's environment for a case: its database, and the namespace of the drifted one. */
const envOf = (c: Case) => (c.drifted ? { DATABASE_URL: drifted.url, DATAFLOW_NAMESPACE: "drifted" } : { DATABASE_URL: backend.url });
const baseOf = (c: Case) => (c.drifted ? driftedBase : base);

function runCli(
  workflow: string,
  inputs: unknown,
  bearer: string | undefined,
  database: Record<string, string> = { DATABASE_URL: backend.url },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, "run", workflow, JSON.stringify(inputs)], {
      env: { PATH: process.env.PATH ?? "", ...database, NEXUS_OPTIONS: JSON.stringify(POLICY), ...(bearer ? { DATAFLOW_TOKEN: bearer } : {}) },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function mcpCall(transport: Transport, workflow: string, inputs: Record<string, unknown>): Promise<Refusal & { title: string; detail: string }> {
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
    const res = await call(baseOf(c), "POST", `/workflows/${c.workflow}/execute`, { inputs: c.inputs }, bearer ? { authorization: `Bearer ${bearer}` } : {});
    expect(res.type).toContain("application/problem+json");
    expect(res.status).toBe(c.expected.status);
    expect(pick(res.json)).toEqual(c.expected);
    if (c.drifted) expectSchemaDetail(res.json);
  });

  it.each(CASES)("CLI: $title", async (c) => {
    const out = await runCli(c.workflow, c.inputs, await c.token(), envOf(c));
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(pick(JSON.parse(out.stderr))).toEqual(c.expected);
    if (c.drifted) expectSchemaDetail(JSON.parse(out.stderr));
  });

  it.each(CASES)("MCP over Streamable HTTP: $title", async (c) => {
    const bearer = await c.token();
    const transport = new StreamableHTTPClientTransport(new URL(`${baseOf(c)}/mcp`), {
      requestInit: { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} },
    });
    const problem = await mcpCall(transport, c.workflow, c.inputs);
    expect(pick(problem)).toEqual(c.expected);
    if (c.drifted) expectSchemaDetail(problem);
  });

  it.each(CASES)("MCP over stdio: $title", async (c) => {
    const bearer = await c.token();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [APP, "mcp"],
      env: { PATH: process.env.PATH ?? "", ...envOf(c), NEXUS_OPTIONS: JSON.stringify(POLICY), ...(bearer ? { DATAFLOW_TOKEN: bearer } : {}) },
      stderr: "pipe",
    });
    const problem = await mcpCall(transport, c.workflow, c.inputs);
    expect(pick(problem)).toEqual(c.expected);
    if (c.drifted) expectSchemaDetail(problem);
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
