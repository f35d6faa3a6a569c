// Client CPU per operation of DataFlow from two built trees (before, after) and the raw driver, in one
// process, batches interleaved round by round, so the machine's load hits all three alike. The
// medians of the per-round differences are the figures to read (absolute µs move with the load).
//   AB_OLD=/copy/of/the/tree/before AB_NEW=/tree/after DATAFLOW_BENCH_URL=... node src/ab-cpu.mjs <create|read|list|concurrent> [rounds] [batch]
// `concurrent`: reads by id, 64 in flight on a pool of 10 (raw: pg.Pool max 10); a `-signal` suffix gives every
// DataFlow call an AbortSignal (its lane's own, never aborted), as the bench's concurrent line does.
// SIGNAL_ONLY=old|new: only that tree's calls carry the signal; with AB_OLD = AB_NEW, new-old is the signal's own cost.
// The server: `node --import tsx src/bench-server.ts postgres|mysql`. CAPTURE=old|new: whose statement raw runs.
// SERVER_PID=<pid>: also the server's CPU per operation (all its threads, /proc/<pid>/stat, summed over the rounds).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tracingChannel } from "node:diagnostics_channel";
const [workloadArg = "read", roundsArg = "15", batchArg = "200"] = process.argv.slice(2);
const signalled = workloadArg.endsWith("-signal");
const workload = workloadArg.replace(/-signal$/, "");
const concurrent = workload === "concurrent";
const poolMax = concurrent ? 10 : 1;
const signalledTree = (label) => signalled && (process.env.SIGNAL_ONLY ?? label) === label;
const url = process.env.DATAFLOW_BENCH_URL;
const kind = url.startsWith("postgres") ? "postgres" : "mysql";
const roots = { old: process.env.AB_OLD, new: process.env.AB_NEW };
if (!url || !roots.old || !roots.new) throw new Error("set DATAFLOW_BENCH_URL, AB_OLD and AB_NEW");
const driver = createRequire(`${roots.new}/packages/sql-${url.startsWith("postgres") ? "postgres" : "mysql"}/package.json`);
const row = (i) => ({ name: `u${i}`, email: `u${i}@example.com`, tenant: i % 10, score: i, active: i % 2 === 0 });
const contenders = {};
let text;
for (const [label, root] of Object.entries(roots)) {
  const k = await import(`${root}/packages/kernel/dist/index.js`);
  const plugin = (await import(`${root}/packages/sql-${kind === "postgres" ? "postgres" : "mysql"}/dist/index.js`)).default;
  const db = new k.DataFlow({ url, plugins: [plugin], pool: { max: poolMax }, namespace: `ab_${label}` });
  const User = db.model(
    "AbUser",
    {
      name: k.field.string({ maxLength: 100 }),
      email: k.field.string({ maxLength: 200 }),
      tenant: k.field.int(),
      score: k.field.int(),
      active: k.field.boolean(),
    },
    { table: "ab_users", indexes: [{ fields: ["tenant", "score", "id"] }] },
  );
  await db.ensureModel(User);
  const runtime = new k.LocalRuntime({ dataflow: db });
  const build = (node, params) => new k.WorkflowBuilder({ dataflow: db }).addNode(User.nodes[node], "node", params).build();
  const wf = {
    create: build("Create", { data: {} }),
    read: build("Read", { id: 1 }),
    list: build("List", { filter: { tenant: 0 }, orderBy: "-score", limit: 50 }),
    bulk: build("BulkCreate", { data: [] }),
  };
  if (label === "old") {
    const n = await db.sql`SELECT COUNT(*) AS n FROM ab_users`;
    if (Number(n[0].n) < 600) await runtime.execute(wf.bulk, { parameters: { node: { data: Array.from({ length: 600 }, (_, i) => row(i)) } } });
  }
  const lanes = Array.from({ length: 64 }, () => (signalledTree(label) ? new AbortController().signal : undefined));
  const laneSignal = signalledTree(label) ? new AbortController().signal : undefined;
  const ops = {
    create: (i) => runtime.execute(wf.create, { parameters: { node: { data: row(i) } }, signal: laneSignal }),
    read: (i) => runtime.execute(wf.read, { parameters: { node: { id: (i % 500) + 1 } }, signal: laneSignal }),
    list: (i) => runtime.execute(wf.list, { parameters: { node: { filter: { tenant: i % 10 } } }, signal: laneSignal }),
    concurrent: (i, lane) => runtime.execute(wf.read, { parameters: { node: { id: (i % 500) + 1 } }, signal: lanes[lane] }),
  };
  contenders[label] = ops[workload];
  if (label === (process.env.CAPTURE ?? "new")) {
    const seen = [];
    const ch = tracingChannel("dataflow:query");
    const h = { start: (m) => seen.push(m.text) };
    ch.subscribe(h);
    await ops[workload](0);
    ch.unsubscribe(h);
    text = seen[0];
  }
}
// MariaDB's DATETIME takes no 'T'/'Z' (strict mode refuses the ISO form).
const now = kind === "postgres" ? () => new Date().toISOString() : () => new Date().toISOString().replace("T", " ").replace("Z", "");
const params = {
  create: (i) => {
    const r = row(i);
    return [r.name, r.email, r.tenant, r.score, r.active, now(), now()];
  },
  read: (i) => [(i % 500) + 1],
  list: (i) => [i % 10, 50],
  concurrent: (i) => [(i % 500) + 1],
};
if (kind === "postgres") {
  const pg = driver("pg");
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  contenders.raw = (i) => pool.query({ name: `raw_${workload}`, text, values: params[workload](i) });
} else {
  const mysql = driver("mysql2");
  const pool = mysql.createPool({ uri: url, connectionLimit: 1, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  // RAW_EXECUTE=1: raw prepares the statement (binary protocol, as DataFlow and pnpm bench's raw do) instead of sending text.
  const send = process.env.RAW_EXECUTE === "1" ? pool.execute.bind(pool) : pool.query.bind(pool);
  contenders.raw = (i) => new Promise((res, rej) => send(text, params[workload](i), (e, r) => (e ? rej(e) : res(r))));
}
const names = Object.keys(contenders);
const cpu = Object.fromEntries(names.map((n) => [n, []]));
const wall = Object.fromEntries(names.map((n) => [n, []]));
const serverPid = process.env.SERVER_PID;
const serverTicks = () => {
  if (!serverPid) return 0;
  const fields = readFileSync(`/proc/${serverPid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
};
const serverCpu = Object.fromEntries(names.map((n) => [n, 0]));
const rounds = Number(roundsArg),
  batch = Number(batchArg);
let i = 0;
for (let r = -3; r < rounds; r++) {
  const order = names.map((_, k) => names[(k + r + 3) % names.length]);
  for (const n of order) {
    const s0 = serverTicks();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    if (concurrent) {
      let next = i;
      const end = i + batch;
      const lane = async (l) => {
        while (next < end) await contenders[n](next++, l);
      };
      await Promise.all(Array.from({ length: 64 }, (_, l) => lane(l)));
      i = end;
    } else for (let k = 0; k < batch; k++) await contenders[n](i++);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    if (r >= 0) {
      serverCpu[n] += serverTicks() - s0;
      cpu[n].push((c1.user + c1.system) / batch);
      wall[n].push(Number(t1 - t0) / 1000 / batch);
    }
  }
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
// median of per-round differences against raw and old
const diff = (a, b, m) => med(m[a].map((v, k) => v - m[b][k]));
// /proc ticks are 10 ms (USER_HZ 100): the sum over every round, divided by every op, is the figure.
const serverText = (n) => (serverPid ? `  server cpu ${((serverCpu[n] * 10_000) / (rounds * batch)).toFixed(1)} µs/op` : "");
for (const n of names)
  console.log(`${kind} ${workloadArg} ${n.padEnd(4)} cpu ${med(cpu[n]).toFixed(1)} µs/op  wall ${med(wall[n]).toFixed(1)} µs/op${serverText(n)}`);
console.log(
  `new-old cpu ${diff("new", "old", cpu).toFixed(1)}; old-raw cpu ${diff("old", "raw", cpu).toFixed(1)}; new-raw cpu ${diff("new", "raw", cpu).toFixed(1)}  (medians of per-round differences)`,
);
process.exit(0);
