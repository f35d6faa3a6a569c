import { fileURLToPath } from "node:url";
import { DataFlow, field } from "@dataflow/kernel";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Nexus } from "../src/index.js";
import { planTools } from "../src/index.js";
import type { Backend } from "./helpers.js";
import { call, sqliteBackend, startNexus } from "./helpers.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

let backend: Backend;
let nexus: Nexus;
let base: string;

beforeAll(async () => {
  backend = sqliteBackend();
  ({ nexus, base } = await startNexus(backend.url));
  expect((await call(base, "POST", "/api/User", { id: "m1", name: "Grace", email: "grace@x.org", age: 85 })).status).toBe(201);
});
afterAll(async () => {
  await nexus.stop();
  await backend.dispose();
});

const transports: Array<[string, () => Transport]> = [
  ["Streamable HTTP", () => new StreamableHTTPClientTransport(new URL(`${base}/mcp`))],
  [
    "stdio",
    () =>
      new StdioClientTransport({
        command: process.execPath,
        args: [APP, "mcp"],
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: backend.url },
        stderr: "pipe",
      }),
  ],
];

describe.each(transports)("MCP over %s with the SDK's client", (_name, transport) => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: "nexus-test", version: "1.0.0" });
    await client.connect(transport());
  });
  afterAll(async () => {
    await client.close();
  });

  it("lists only the read tools by default, with their schemas and annotations", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(["Order_Count", "Order_List", "Order_Read", "User_Count", "User_List", "User_Read"]);
    const list = tools.find((t) => t.name === "User_List")!;
    expect(list.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(list.inputSchema.properties).toHaveProperty("filter");
    expect(list.outputSchema?.properties).toHaveProperty("results");
  });

  it("calls a read and gets structured results", async () => {
    const out = await client.callTool({ name: "User_List", arguments: { filter: { age: { $gt: 80 } } } });
    expect(out.isError).toBeFalsy();
    const structured = out.structuredContent as { results: { list: { result: Array<{ email: string }> } } };
    expect(structured.results.list.result.map((u) => u.email)).toEqual(["grace@x.org"]);
  });

  it("refuses a write in read-only mode with the typed problem", async () => {
    const out = await client.callTool({ name: "User_Create", arguments: { data: { id: "m2", name: "X", email: "x@x.org" } } });
    expect(out.isError).toBe(true);
    const problem = JSON.parse((out.content as Array<{ text: string }>)[0]!.text);
    expect(problem).toMatchObject({ status: 403, errorClass: "ReadOnlyError", code: "READ_ONLY", field: "workflow" });
    expect((await call(base, "GET", "/api/User/m2")).status).toBe(404);
  });
});

describe("MCP tool grouping", () => {
  it("stays under 40 tools for a large schema: one tool per workflow, then per model and access, then three generic tools", async () => {
    const db = new DataFlow({ url: "sqlite::memory:", namespace: "grouping" });
    for (let i = 0; i < 25; i++) db.model(`M${i}`, { name: field.string() });
    const all = [...db.getWorkflows()];
    const reads = all.filter((wf) => wf.access === "read");
    const readGroups = planTools(reads);
    expect(readGroups).toHaveLength(25);
    expect(readGroups[0]!.tool.name).toBe("grouping.M0_read");
    expect(planTools(reads.slice(0, 39))).toHaveLength(39);
    const grouped = planTools(
      all.filter((wf) => wf.model!.name < "M18"),
      {},
    );
    expect(grouped.length).toBeLessThanOrEqual(40);
    const write = grouped.find((t) => t.tool.name === "grouping.M1_write")!;
    expect(write.tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(write.tool.inputSchema.properties?.operation).toMatchObject({ enum: expect.arrayContaining(["Create", "Delete", "BulkUpsert"]) });
    expect(grouped.find((t) => t.tool.name === "grouping.M1_read")!.tool.annotations?.readOnlyHint).toBe(true);
    const generic = planTools(all);
    expect(generic.map((t) => t.tool.name)).toEqual(["list_workflows", "describe_workflow", "execute_workflow"]);
    await db.close();
  });
});
