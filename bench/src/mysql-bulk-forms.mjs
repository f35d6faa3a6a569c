// The server's CPU and the wall time of the ways a client can send a bulk INSERT to MariaDB/MySQL,
// interleaved round by round in one process (the machine's load hits every form alike), next to
// DataFlow's BulkCreate node. Every form writes the same rows in one transaction per round.
//   node --import tsx src/bench-server.ts mysql &     # prints DATAFLOW_BENCH_URL and the server's pid
//   DATAFLOW_BENCH_URL=... SERVER_PID=<pid> node src/mysql-bulk-forms.mjs [rounds] [rows] [forms]
// forms (comma-separated; default all): text-<n> (literals built as DataFlow builds them, mysql2
// `query`), exec-<n> (`execute`: server-side prepared, binary values), execdf-<n> (the same with
// values as DataFlow encodes them), load (LOAD DATA LOCAL INFILE), dataflow (the BulkCreate node of
// this tree), before (the node of the built tree at AB_OLD, e.g. a copy of main's).
// Prints per 1,000 rows: the server's CPU (/proc/<pid>/stat, all threads, 10 ms ticks summed over
// every round), the client's CPU, and the median wall time of a round.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import mysql from "mysql2";

const [roundsArg = "8", rowsArg = "50000", formsArg = "text-500,text-1000,text-5000,exec-500,exec-1000,exec-2000,exec-5000,dataflow"] = process.argv.slice(2);
const url = process.env.DATAFLOW_BENCH_URL;
if (!url) throw new Error("DATAFLOW_BENCH_URL is not set");
const rounds = Number(roundsArg);
const rowCount = Number(rowsArg);
const forms = formsArg.split(",");

const closing = [];
/** The BulkCreate node of the built tree at `root`, on its own DataFlow (pool of 1). */
async function bulkNode(root) {
  const k = await import(root ? `${root}/packages/kernel/dist/index.js` : "@dataflow/kernel");
  const plugin = (await import(root ? `${root}/packages/sql-mysql/dist/index.js` : "@dataflow/sql-mysql")).default;
  const db = new k.DataFlow({ url, plugins: [plugin], pool: { max: 1 }, namespace: `forms_${closing.length}` });
  const f = k.field;
  const fields = { name: f.string({ maxLength: 100 }), email: f.string({ maxLength: 200 }), tenant: f.int(), score: f.int(), active: f.boolean() };
  const Model = db.model("FormsBulk", fields, { table: "forms_bulk", indexes: [{ fields: ["tenant", "score", "id"] }] });
  await db.ensureModel(Model);
  closing.push(db);
  const runtime = new k.LocalRuntime({ dataflow: db });
  const bulk = new k.WorkflowBuilder({ dataflow: db }).addNode(Model.nodes.BulkCreate, "node", { data: [] }).build();
  return () => runtime.execute(bulk, { parameters: { node: { data: rows } } });
}

const pool = mysql.createPool({ uri: url, connectionLimit: 1, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true }).promise();
const rows = Array.from({ length: rowCount }, (_, i) => ({
  name: `user ${i} ${(i * 2654435761) % 1e9}`,
  email: `user${i}@example.com`,
  tenant: i % 100,
  score: (i * 7919) % 1_000_000,
  active: i % 3 === 0,
}));
const COLUMNS = "`name`, `email`, `tenant`, `score`, `active`, `created_at`, `updated_at`";
const head = `INSERT INTO \`forms_bulk\` (${COLUMNS}) VALUES `;
const placeholders = (n) => new Array(n).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ");
const stamp = () => new Date().toISOString().replace("T", " ").replace("Z", "");

async function inTransaction(work) {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    await work(conn);
    await conn.commit();
  } finally {
    conn.release();
  }
}

const run = {
  text: (n) => () =>
    inTransaction(async (conn) => {
      const ts = `'${stamp()}'`;
      for (let start = 0; start < rows.length; start += n) {
        let values = "";
        for (let i = start; i < Math.min(start + n, rows.length); i++) {
          const r = rows[i];
          values += `${i > start ? ", " : ""}(${mysql.escape(r.name)}, ${mysql.escape(r.email)}, ${r.tenant}, ${r.score}, ${r.active ? 1 : 0}, ${ts}, ${ts})`;
        }
        await conn.query(head + values);
      }
    }),
  exec: (n) => () =>
    inTransaction(async (conn) => {
      const now = new Date();
      for (let start = 0; start < rows.length; start += n) {
        const part = rows.slice(start, start + n);
        const values = [];
        for (const r of part) values.push(r.name, r.email, r.tenant, r.score, r.active, now, now);
        await conn.execute(head + placeholders(part.length), values);
      }
    }),
  // The values as DataFlow's dialect encodes them: DATETIME text, booleans as 1 / 0.
  execdf: (n) => () =>
    inTransaction(async (conn) => {
      const ts = stamp();
      for (let start = 0; start < rows.length; start += n) {
        const part = rows.slice(start, start + n);
        const values = [];
        for (const r of part) values.push(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, ts, ts);
        await conn.execute(head + placeholders(part.length), values);
      }
    }),
  // LOAD DATA LOCAL INFILE of tab-separated text (mysql2 `infileStreamFactory`), for reference.
  load: () => () =>
    inTransaction(async (conn) => {
      const ts = stamp();
      let text = "";
      for (const r of rows) text += `${r.name}\t${r.email}\t${r.tenant}\t${r.score}\t${r.active ? 1 : 0}\t${ts}\t${ts}\n`;
      await conn.query({
        sql: `LOAD DATA LOCAL INFILE 'rows' INTO TABLE \`forms_bulk\` (${COLUMNS})`,
        infileStreamFactory: () => Readable.from([Buffer.from(text)]),
      });
    }),
  dataflow: () => bulkNode(process.env.AB_NEW),
  before: () => {
    if (!process.env.AB_OLD) throw new Error("the form `before` needs AB_OLD (a built tree)");
    return bulkNode(process.env.AB_OLD);
  },
};
const contenders = {};
for (const f of forms) {
  const [kind, n] = f.split("-");
  if (!run[kind]) throw new Error(`unknown form ${f}`);
  contenders[f] = await run[kind](Number(n));
}

const serverPid = process.env.SERVER_PID;
const serverTicks = () => {
  if (!serverPid) return 0;
  const stat = readFileSync(`/proc/${serverPid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(stat[11]) + Number(stat[12]);
};
const server = Object.fromEntries(forms.map((f) => [f, 0]));
const client = Object.fromEntries(forms.map((f) => [f, 0]));
const wall = Object.fromEntries(forms.map((f) => [f, []]));
for (let r = -1; r < rounds; r++) {
  for (let k = 0; k < forms.length; k++) {
    const f = forms[(k + r + 1) % forms.length];
    await pool.query("TRUNCATE TABLE `forms_bulk`");
    const s0 = serverTicks();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await contenders[f]();
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    const s1 = serverTicks();
    if (r < 0) continue;
    server[f] += s1 - s0;
    client[f] += c1.user + c1.system;
    wall[f].push(Number(t1 - t0) / 1e6);
  }
}
const [count] = await pool.query("SELECT COUNT(*) AS n FROM `forms_bulk`");
if (Number(count[0].n) !== rowCount) throw new Error(`expected ${rowCount} rows, found ${count[0].n}`);
const per1k = rowCount / 1000;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`${rounds} rounds of ${rowCount} rows per form, interleaved; per 1,000 rows:`);
for (const f of forms) {
  const serverMs = serverPid ? `server cpu ${((server[f] * 10) / rounds / per1k).toFixed(2)} ms  ` : "";
  const clientMs = client[f] / 1000 / rounds / per1k;
  const w = median(wall[f]) / per1k;
  console.log(`${f.padEnd(10)} ${serverMs}client cpu ${clientMs.toFixed(2)} ms  wall ${w.toFixed(2)} ms (median round)  ${Math.round(1000 / w) * 1000} rows/s`);
}
await pool.end();
for (const db of closing) await db.close();
