// Instruction-count probe for Nexus's GET by id (plain JS, no tsx), for src/per-op.sh: `warm` then
// `count` requests of `GET /api/User/:id` through Nexus (`nexus`) or through the hand-written Fastify
// route of nexus-http.ts calling pg (`raw`), one at a time through `fastify.inject` (no sockets, so
// only the server's own work is counted), against the PostgreSQL at DATAFLOW_BENCH_URL (start one
// with `node --import tsx src/bench-server.ts postgres`).
//   DATAFLOW_BENCH_URL=... sh src/per-op.sh nexus 300 600 src/nexus-instructions.mjs
import { DataFlow, field } from "@dataflow/kernel";
import { Nexus } from "@dataflow/nexus";
import Fastify from "fastify";
import pg from "pg";

const [workload = "nexus", warmArg = "300", countArg = "0"] = process.argv.slice(2);
const url = process.env.DATAFLOW_BENCH_URL;
if (!url) throw new Error("DATAFLOW_BENCH_URL is not set");
const ROWS = 1000;
const POOL = 10;

const db = new DataFlow({ url, pool: { max: POOL } });
db.model("User", { id: field.string(), name: field.string(), email: field.string().unique(), age: field.int().optional() });
await db.initialize();
const [{ n }] = await db.sql`SELECT COUNT(*)::int AS n FROM users`;
if (n < ROWS) {
  await db.sql`DELETE FROM users`;
  await db.getWorkflows().execute("User_BulkCreate", {
    data: Array.from({ length: ROWS }, (_, i) => ({ id: `u${i}`, name: `User ${i}`, email: `u${i}@example.com`, age: i % 90 })),
  });
}

let app;
let path;
let close;
if (workload === "nexus") {
  const nexus = new Nexus(db.getWorkflows(), { mcp: false });
  app = nexus.app;
  path = (i) => `/api/User/u${i % ROWS}`;
  close = () => nexus.stop();
} else if (workload === "raw") {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  app = Fastify({ logger: false });
  app.get("/users/:id", async (request, reply) => {
    const { rows } = await pool.query("SELECT id, name, email, age, created_at, updated_at FROM users WHERE id = $1", [request.params.id]);
    if (rows.length === 0) return reply.code(404).send({ error: "not found" });
    return { result: rows[0] };
  });
  path = (i) => `/users/u${i % ROWS}`;
  close = async () => {
    await app.close();
    await pool.end();
    await db.close();
  };
} else if (workload === "kernel" || workload === "pg") {
  // The two sides without HTTP: the User_Read workflow run, and the raw route's pg query.
  const workflows = db.getWorkflows();
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  const one =
    workload === "kernel"
      ? (i) => workflows.execute("User_Read", { id: `u${i % ROWS}` })
      : (i) => pool.query("SELECT id, name, email, age, created_at, updated_at FROM users WHERE id = $1", [`u${i % ROWS}`]);
  const total = Number(warmArg) + Number(countArg);
  for (let i = 0; i < total; i++) await one(i);
  await pool.end();
  await db.close();
  process.exit(0);
} else {
  throw new Error(`unknown workload '${workload}' (nexus | raw | kernel | pg)`);
}
await app.ready();

const total = Number(warmArg) + Number(countArg);
for (let i = 0; i < total; i++) {
  const response = await app.inject({ method: "GET", url: path(i) });
  if (response.statusCode !== 200) throw new Error(`${path(i)}: ${response.statusCode} ${response.body}`);
}
await close();
