// GET one row by id over HTTP: through Nexus (REST resource route -> User_Read workflow) vs a
// hand-written Fastify route calling pg directly. Same PostgreSQL database, same pool size, same
// autocannon settings; rounds interleaved in ABBA order (nexus, raw, raw, nexus, ...) so neither
// server always runs first, and the verdict is the median of each round's own ratio.
//   node --import tsx src/nexus-http.ts [--seconds 5] [--rounds 3] [--connections 50]
import { writeFileSync } from "node:fs";
import { DataFlow, field } from "@dataflow/kernel";
import { Nexus } from "@dataflow/nexus";
import { provisionDatabase } from "@dataflow/testing";
import autocannon from "autocannon";
import Fastify from "fastify";
import pg from "pg";
import { machine } from "./environment.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("seconds", 5);
const ROUNDS = arg("rounds", 3);
const CONNECTIONS = arg("connections", 50);
const POOL = 10;
const ROWS = 1000;

interface Round {
  requestsPerSecond: number;
  /** CPU of this whole process (server + load generator) per request: steadier than req/s on a loaded machine. */
  cpuUsPerRequest: number;
  p99Ms: number;
  p50Ms: number;
  errors: number;
  non2xx: number;
}

function load(url: string, path: (i: number) => string): Promise<Round> {
  let n = 0;
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: path(n++ % ROWS) }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        const used = process.cpuUsage(cpu);
        resolve({
          cpuUsPerRequest: (used.user + used.system) / Math.max(1, result.requests.total),
          requestsPerSecond: result.requests.average,
          p99Ms: result.latency.p99,
          p50Ms: result.latency.p50,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
  });
}

const provisioned = await provisionDatabase("postgres");
if (!provisioned.ok) {
  console.error(`nexus-http: no PostgreSQL: ${provisioned.reason}`);
  process.exit(process.env.CI ? 1 : 0);
}
const url = provisioned.db.url;
const db = new DataFlow({ url, pool: { max: POOL } });
db.model("User", { id: field.string(), name: field.string(), email: field.string().unique(), age: field.int().optional() });
await db.initialize();
await db
  .getWorkflows()
  .execute("User_BulkCreate", { data: Array.from({ length: ROWS }, (_, i) => ({ id: `u${i}`, name: `User ${i}`, email: `u${i}@example.com`, age: i % 90 })) });
const nexus = new Nexus(db.getWorkflows(), { port: 0, mcp: false });
const nexusUrl = await nexus.start();

const pool = new pg.Pool({ connectionString: url, max: POOL });
const raw = Fastify({ logger: false });
raw.get<{ Params: { id: string } }>("/users/:id", async (request, reply) => {
  const { rows } = await pool.query("SELECT id, name, email, age, created_at, updated_at FROM users WHERE id = $1", [request.params.id]);
  if (rows.length === 0) return reply.code(404).send({ error: "not found" });
  return { result: rows[0] };
});
const rawUrl = await raw.listen({ port: 0, host: "127.0.0.1" });

// Both answer the same row shape (Nexus: { result, found }).
const check = [await (await fetch(`${nexusUrl}/api/User/u7`)).json(), await (await fetch(`${rawUrl}/users/u7`)).json()] as Array<{ result: { email: string } }>;
if (check[0]!.result.email !== "u7@example.com" || check[1]!.result.email !== "u7@example.com") throw new Error("the two servers disagree");

await load(nexusUrl, (i) => `/api/User/u${i}`); // warm-up
await load(rawUrl, (i) => `/users/u${i}`);
const rounds: Array<{ nexus: Round; raw: Round }> = [];
for (let r = 0; r < ROUNDS; r++) {
  const nexusFirst = r % 2 === 0;
  const first = await load(nexusFirst ? nexusUrl : rawUrl, nexusFirst ? (i) => `/api/User/u${i}` : (i) => `/users/u${i}`);
  const second = await load(nexusFirst ? rawUrl : nexusUrl, nexusFirst ? (i) => `/users/u${i}` : (i) => `/api/User/u${i}`);
  const [a, b] = nexusFirst ? [first, second] : [second, first];
  rounds.push({ nexus: a, raw: b });
  console.log(
    `round ${r + 1}: nexus ${a.requestsPerSecond.toFixed(0)} req/s p99 ${a.p99Ms} ms | raw ${b.requestsPerSecond.toFixed(0)} req/s p99 ${b.p99Ms} ms`,
  );
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const summary = {
  workload: `GET one row by id, ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} interleaved rounds (ABBA), pool ${POOL}, PostgreSQL`,
  machine: { ...machine(), note: "loaded machine: shared 2-core host; server, load generator and database on the same cores" },
  nexus: {
    requestsPerSecond: median(rounds.map((r) => r.nexus.requestsPerSecond)),
    p99Ms: median(rounds.map((r) => r.nexus.p99Ms)),
    cpuUsPerRequest: median(rounds.map((r) => r.nexus.cpuUsPerRequest)),
  },
  raw: {
    requestsPerSecond: median(rounds.map((r) => r.raw.requestsPerSecond)),
    p99Ms: median(rounds.map((r) => r.raw.p99Ms)),
    cpuUsPerRequest: median(rounds.map((r) => r.raw.cpuUsPerRequest)),
  },
  errors: rounds.reduce((sum, r) => sum + r.nexus.errors + r.raw.errors + r.nexus.non2xx + r.raw.non2xx, 0),
  rounds,
};
const ratio = median(rounds.map((r) => r.nexus.requestsPerSecond / r.raw.requestsPerSecond));
const cpuRatio = median(rounds.map((r) => r.raw.cpuUsPerRequest / r.nexus.cpuUsPerRequest));
console.log(
  `\nmedian: nexus ${summary.nexus.requestsPerSecond.toFixed(0)} req/s (p99 ${summary.nexus.p99Ms} ms, ${summary.nexus.cpuUsPerRequest.toFixed(0)} µs CPU/request) vs raw Fastify+pg ${summary.raw.requestsPerSecond.toFixed(0)} req/s (p99 ${summary.raw.p99Ms} ms, ${summary.raw.cpuUsPerRequest.toFixed(0)} µs CPU/request)`,
);
console.log(
  `median of the round ratios: ${ratio.toFixed(3)} req/s (budget >= 0.9: ${ratio >= 0.9 ? "PASS" : "MISS"}); server CPU per request, raw / nexus: ${cpuRatio.toFixed(3)}`,
);
writeFileSync(new URL("../results/nexus-http.json", import.meta.url), `${JSON.stringify({ ...summary, ratio, cpuRatio }, null, 2)}\n`);

await raw.close();
await pool.end();
await nexus.stop();
await provisioned.db.dispose();
