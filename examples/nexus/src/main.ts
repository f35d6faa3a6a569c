// One entry point for the three surfaces:
//   tsx src/main.ts serve [--port 3000] [--read-only] [--mcp-writes]
//   tsx src/main.ts run <workflow> --input '{...}' | --input-file inputs.json
//   tsx src/main.ts mcp [--mcp-writes]
// Auth: set NEXUS_JWT_SECRET to require an HS256 bearer token (DATAFLOW_TOKEN for run and mcp).
import { parseArgs } from "node:util";
import type { NexusOptions } from "@dataflow/nexus";
import { mcpStdio, runWorkflowCli, serveCli } from "@dataflow/nexus";
import { createApp } from "./app.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string", default: "3000" },
    host: { type: "string", default: "127.0.0.1" },
    input: { type: "string" },
    "input-file": { type: "string" },
    "read-only": { type: "boolean", default: false },
    "mcp-writes": { type: "boolean", default: false },
  },
});

const secret = process.env.NEXUS_JWT_SECRET;
const policy: NexusOptions = {
  readOnly: values["read-only"],
  ...(secret ? { auth: { jwt: { secret } } } : {}),
};
const db = createApp();
const [command = "serve", workflow] = positionals;

if (command === "serve") {
  await serveCli(db.getWorkflows(), { ...policy, port: Number(values.port), host: values.host, mcp: { allowWrites: values["mcp-writes"] } });
} else if (command === "run" && workflow) {
  process.exitCode = await runWorkflowCli(db.getWorkflows(), {
    ...policy,
    workflow,
    ...(values.input !== undefined ? { input: values.input } : {}),
    ...(values["input-file"] !== undefined ? { inputFile: values["input-file"] } : {}),
  });
  await db.close();
} else if (command === "mcp") {
  await mcpStdio(db.getWorkflows(), { ...policy, allowWrites: values["mcp-writes"] });
  await db.close();
} else {
  console.error("usage: main.ts serve | run <workflow> --input '{...}' | mcp");
  process.exitCode = 2;
}
