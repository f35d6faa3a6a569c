// Instruction-count probe (plain JS, no tsx, so the loader does not dominate): runs `warm` then
// `count` operations of one workload on an in-memory SQLite database. Run it twice under
// `valgrind --tool=callgrind` with different counts; the difference / ops is instructions per op.
// `--single-threaded --predictable` make the counts repeatable (within ~0.01%) under valgrind.
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable src/instructions.mjs read 2000 0
// Workloads: read | create | list | five | flow (five with per-run params for create, update, list and count,
// as `pnpm bench` runs it) | bulk (a 1,000-row BulkCreate per op), `-signal` adds an
// AbortSignal; `raw-<workload>` runs the statements DataFlow sends (captured from its query tracing
// channel) through cached better-sqlite3 statements on the same connection, for the over-raw figure;
// `raw-bulk-multi` writes the bulk rows as multi-row INSERTs (RAW_MULTI rows per statement, default 32).
import { tracingChannel } from "node:diagnostics_channel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";

const [workload = "read", warmArg = "2000", countArg = "0"] = process.argv.slice(2);
const total = Number(warmArg) + Number(countArg);
const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlitePlugin] });
const User = db.model(
  "User",
  { name: field.string({ maxLength: 100 }), tenant: field.int(), score: field.int(), active: field.boolean() },
  {
    indexes: [{ fields: ["tenant", "score", "id"] }],
  },
);
await db.ensureModel(User);
const runtime = new LocalRuntime({ dataflow: db });
const wf = (b) => b.build();
const create = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Create, "node", { data: {} }));
const read = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Read, "node", { id: 1 }));
const five = wf(
  new WorkflowBuilder({ dataflow: db })
    .addNode(User.nodes.Create, "create", { data: {} })
    .addNode(User.nodes.Read, "read", {})
    .addConnection("create", "result.id", "read", "id")
    .addNode(User.nodes.Update, "update", { fields: { score: 1 } })
    .addConnection("read", "result.id", "update", "id")
    .addNode(User.nodes.List, "list", { filter: { tenant: 0 }, orderBy: "-score", limit: 10 })
    .addNode(User.nodes.Count, "count", { filter: { tenant: 0 } }),
);
const list = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.List, "node", { filter: { tenant: 0 }, orderBy: "-score", limit: 20 }));
const bulk = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.BulkCreate, "node", { data: [] }));
const BULK_ROWS = Number(process.env.BULK_ROWS ?? 1000);
const bulkRows = (i) => Array.from({ length: BULK_ROWS }, (_, k) => ({ name: `b${i}-${k}`, tenant: 1000 + (k % 10), score: k, active: k % 2 === 0 }));
for (let i = 0; i < 200; i++) await runtime.execute(create, { parameters: { node: { data: { name: `u${i}`, tenant: i % 10, score: i, active: true } } } });
const signal = workload.endsWith("-signal") ? new AbortController().signal : undefined;
const ops = {
  read: (i) => runtime.execute(read, { parameters: { node: { id: (i % 200) + 1 } }, signal }),
  create: (i) => runtime.execute(create, { parameters: { node: { data: { name: `u${i}`, tenant: i % 10, score: i, active: true } } }, signal }),
  // Created rows go to tenants >= 100: List and Count read the 20 seeded rows of tenant 0 every time.
  five: (i) => runtime.execute(five, { parameters: { create: { data: { name: `u${i}`, tenant: 100 + (i % 10), score: i, active: true } } }, signal }),
  flow: (i) =>
    runtime.execute(five, {
      parameters: {
        create: { data: { name: `u${i}`, tenant: 100 + (i % 10), score: i, active: true } },
        update: { fields: { score: i } },
        list: { filter: { tenant: i % 10 } },
        count: { filter: { tenant: i % 10 } },
      },
      signal,
    }),
};
ops.list = () => runtime.execute(list, { signal });
ops.bulk = (i) => runtime.execute(bulk, { parameters: { node: { data: bulkRows(i) } }, signal });

/** The statements (text, params) DataFlow sends for one op of `name`, captured from the tracing channel. */
async function captured(name, i) {
  const seen = [];
  const channel = tracingChannel("dataflow:query");
  const handlers = { start: (m) => seen.push(m.text) };
  channel.subscribe(handlers);
  const original = db.adapter.exec.bind(db.adapter);
  const params = [];
  db.adapter.exec = (text, p) => (params.push(p), original(text, p));
  await ops[name](i);
  db.adapter.exec = original;
  channel.unsubscribe(handlers);
  return seen.map((text, k) => ({ text, params: params[k] }));
}

let op;
if (workload.startsWith("raw-")) {
  const name = workload.slice(4);
  const handle = db.adapter.handle;
  const insertInto = `INSERT INTO "users" ("name", "tenant", "score", "active", "created_at", "updated_at") VALUES `;
  if (name === "bulk") {
    const insert = handle.prepare(`${insertInto}(?, ?, ?, ?, ?, ?)`);
    op = async (i) => {
      const now = new Date().toISOString();
      handle.transaction((rows) => {
        for (const r of rows) insert.run(r.name, r.tenant, r.score, r.active ? 1 : 0, now, now);
      })(bulkRows(i));
    };
  } else if (name === "bulk-multi") {
    // Multi-row INSERTs of RAW_MULTI rows (default 32), the rest one row per statement.
    const n = Number(process.env.RAW_MULTI ?? 32);
    const multi = handle.prepare(insertInto + Array(n).fill("(?, ?, ?, ?, ?, ?)").join(", "));
    const single = handle.prepare(`${insertInto}(?, ?, ?, ?, ?, ?)`);
    const values = new Array(6 * n);
    op = async (i) => {
      const now = new Date().toISOString();
      handle.transaction((rows) => {
        let from = 0;
        for (; from + n <= rows.length; from += n) {
          for (let k = 0, j = 0; k < n; k++) {
            const r = rows[from + k];
            values[j++] = r.name;
            values[j++] = r.tenant;
            values[j++] = r.score;
            values[j++] = r.active ? 1 : 0;
            values[j++] = now;
            values[j++] = now;
          }
          multi.run(values);
        }
        for (const r of rows.slice(from)) single.run(r.name, r.tenant, r.score, r.active ? 1 : 0, now, now);
      })(bulkRows(i));
    };
  } else {
    const statements = (await captured(name, 0)).map(({ text, params }) => {
      const stmt = handle.prepare(text);
      return { stmt, params, reader: stmt.reader };
    });
    // Per-op inputs like DataFlow's: read cycles the id, create/five insert a fresh name.
    op = async (i) => {
      for (const { stmt, params, reader } of statements) {
        const p = name === "read" ? [(i % 200) + 1] : params;
        if (reader) stmt.all(p);
        else stmt.run(p);
      }
    };
  }
} else op = ops[workload.replace(/-signal$/, "")];
for (let i = 0; i < total; i++) await op(i);
await db.close();
