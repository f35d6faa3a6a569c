// Operating DataFlow on each SQL database: the logs of a realistic program (with the values and
// credentials that must never reach them), progress, stats(), healthCheck() and db.sql.
import { afterAll, describe, expect, it } from "vitest";
import type { Logger, ProgressEvent } from "@dataflow/kernel";
import { DataFlow, InvalidIdentifierError, LocalRuntime, UniqueViolationError, ValidationError, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import { transactions } from "../src/index.js";
import { provideAll } from "./support/providers.js";
import { runFailure } from "./support/workflows.js";

const providers = (await provideAll()).filter((p) => p.name !== "pgbouncer");
afterAll(() => Promise.all(providers.map((p) => p.dispose())));

interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A pino-shaped logger that keeps every call. */
function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord["level"]) =>
    (obj: object | string, msg?: string): void => {
      records.push(typeof obj === "string" ? { level, obj: {}, msg: obj } : { level, obj: obj as Record<string, unknown>, msg });
    };
  const logger = { records, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return logger;
}

const ROWS = 2_000;
const SECRET = "s3cr3t-value";

for (const p of providers) {
  describe.skipIf(p.skipReason !== "")(`operating on ${p.name}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`, () => {
    it("a program's logs show runs, failures, slow statements and schema work, and never a value or a credential", async () => {
      const logger = recordingLogger();
      const db = new DataFlow({ url: p.url, plugins: [transactions()], namespace: `${p.name}_ops`, logger, slowQueryMs: 0 });
      try {
        const Customer = db.model("Customer", { email: field.string().unique(), secret: field.string(), n: field.int() });
        const runtime = new LocalRuntime({ dataflow: db });
        const rows = Array.from({ length: ROWS }, (_, i) => ({ email: `person${i}@example.test`, secret: `${SECRET}-${i}`, n: i }));

        // Bulk, with progress.
        const bulk: ProgressEvent[] = [];
        const created = await runtime.execute(
          new WorkflowBuilder({ dataflow: db, name: "import" }).addNode(Customer.nodes.BulkCreate, "load", { data: rows, batchSize: 500 }).build(),
          {
            onProgress: (e) => bulk.push(e),
            progressIntervalMs: 0,
          },
        );
        expect(created.results.load.result.inserted).toBe(ROWS);
        expect(bulk.length).toBeGreaterThanOrEqual(2);
        expect(bulk.at(-1)).toMatchObject({ operation: "BulkCreate", model: "Customer", done: ROWS, total: ROWS, finished: true, nodeId: "load" });
        for (let i = 1; i < bulk.length; i++) expect(bulk[i]!.done).toBeGreaterThanOrEqual(bulk[i - 1]!.done);

        // A list by a value that must not be logged.
        const listed = await runtime.execute(
          new WorkflowBuilder({ dataflow: db }).addNode(Customer.nodes.List, "find", { filter: { email: "person7@example.test" } }).build(),
        );
        expect(listed.results.find.result).toHaveLength(1);

        // A filter-based bulk change reports its rows once.
        const updates: ProgressEvent[] = [];
        await runtime.execute(
          new WorkflowBuilder({ dataflow: db })
            .addNode(Customer.nodes.BulkUpdate, "bump", { filter: { n: { $gte: 1500 } }, fields: { secret: `${SECRET}-x` } })
            .build(),
          {
            onProgress: (e) => updates.push(e),
          },
        );
        expect(updates).toEqual([expect.objectContaining({ operation: "BulkUpdate", done: 500, total: 500, finished: true })]);

        // A stream reports rows read, batch by batch.
        const streamed: ProgressEvent[] = [];
        let count = 0;
        for await (const _ of db.stream(Customer, {}, { batchSize: 700, onProgress: (e) => streamed.push(e) })) count++;
        expect(count).toBe(ROWS);
        expect(streamed.at(-1)).toMatchObject({ operation: "List", done: ROWS, total: undefined, finished: true });

        // A failing run: a duplicate value.
        const dup = await runFailure(
          runtime.execute(new WorkflowBuilder({ dataflow: db, name: "signup" }).addNode(Customer.nodes.Create, "again", { data: rows[3]! }).build()),
        );
        expect(dup.cause).toBeInstanceOf(UniqueViolationError);

        // An aborted run: the first node aborts the caller's signal, the second never starts.
        const controller = new AbortController();
        const stop = defineNode({ type: `${p.name}_Stop`, params: {}, run: () => (controller.abort(), { stopped: true }) });
        const aborted = new WorkflowBuilder({ dataflow: db, name: "aborted" })
          .addNode(stop, "stop", {})
          .addNode(Customer.nodes.Count, "count", {})
          .addDependency("stop", "count")
          .build();
        await runFailure(runtime.execute(aborted, { signal: controller.signal }));

        const health = await db.healthCheck();
        expect(health.ok).toBe(true);
        expect(health.latencyMs).toBeGreaterThanOrEqual(0);

        const events = logger.records;
        const messages = events.map((r) => `${r.level} ${r.msg}`);
        expect(messages).toContain("debug schema ready");
        expect(messages).toContain("debug run started");
        expect(events.find((r) => r.msg === "run finished" && r.obj.workflow === "import")).toMatchObject({
          level: "info",
          obj: { nodeCount: 1, ok: true, runId: created.runId },
        });
        expect(events.find((r) => r.msg === "run failed" && r.obj.workflow === "signup")).toMatchObject({
          level: "warn",
          obj: { nodeId: "again", error: { class: "UniqueViolationError", code: "UNIQUE_VIOLATION" } },
        });
        expect(events.find((r) => r.msg === "run failed" && r.obj.workflow === "aborted")).toMatchObject({
          level: "warn",
          obj: { nodeId: "count", nodeCount: 2, error: { class: "AbortError" } },
        });
        const slow = events.filter((r) => r.msg === "slow statement");
        expect(slow.some((r) => String(r.obj.sql).includes("email") && (r.obj.paramCount as number) >= 1)).toBe(true);
        expect(slow.every((r) => typeof r.obj.durationMs === "number" && typeof r.obj.sql === "string")).toBe(true);

        const text = JSON.stringify(events);
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain("@example.test");
        const password = decodeURIComponent(new URL(p.url.replace(/^sqlite:\/\//, "file://")).password);
        if (password) expect(text).not.toContain(password);

        const stats = db.stats();
        expect(stats.statements).toBeGreaterThan(4);
        expect(stats.errors.UniqueViolationError).toBe(1);
        expect(stats.connections.total).toBeGreaterThanOrEqual(1);
        expect(stats.connections.waiting).toBe(0);
      } finally {
        await db.close();
      }
    });

    it("db.sql binds values, quotes identifiers, types rows, and runs on the run's transaction inside a node", async () => {
      const db = new DataFlow({ url: p.url, plugins: [transactions()], namespace: `${p.name}_raw` });
      const raw = await p.raw();
      try {
        const Note = db.model("Note", { title: field.string(), stars: field.int() });
        await db.initialize();
        const table = db.sql.id(Note.table);
        const hostile = "x'); DROP TABLE notes; --";
        await db.sql`INSERT INTO ${table} (${db.sql.id("title")}, ${db.sql.id("stars")}) VALUES (${hostile}, ${5})`;
        const rows = await db.sql<{
          title: string;
          stars: number;
        }>`SELECT ${db.sql.id("title")}, ${db.sql.id("stars")} FROM ${table} WHERE ${db.sql.id("stars")} >= ${3}`;
        expect(rows.map((r) => [r.title, Number(r.stars)])).toEqual([[hostile, 5]]);

        expect(() => db.sql.id("notes; DROP TABLE x")).toThrow(InvalidIdentifierError);
        await expect((db.sql as unknown as (text: string) => Promise<unknown>)("SELECT 1")).rejects.toThrow(ValidationError);

        // Inside a custom node of a transaction: db.sql.with(ctx) sees the run's uncommitted row, and the rollback removes it.
        const peek = defineNode({
          type: `${p.name}_Peek`,
          params: {},
          run: async (_params, ctx) => {
            const seen = await db.sql.with(ctx)<{ title: string }>`SELECT ${db.sql.id("title")} FROM ${table} WHERE ${db.sql.id("title")} = ${"draft"}`;
            return { seen: seen.length };
          },
        });
        const fail = defineNode({
          type: `${p.name}_Fail`,
          params: {},
          run: () => {
            throw new Error("undo");
          },
        });
        const seen: number[] = [];
        const observe = defineNode({
          type: `${p.name}_Observe`,
          params: { seen: { type: "integer", required: true } },
          run: ({ seen: n }) => (seen.push(n as number), {}),
        });
        const wf = new WorkflowBuilder({ dataflow: db })
          .addNode(Note.nodes.Create, "draft", { data: { title: "draft", stars: 1 } })
          .addNode(peek, "peek", {})
          .addNode(observe, "observe", {})
          .addNode(fail, "fail", {})
          .addDependency("draft", "peek")
          .addConnection("peek", "seen", "observe", "seen")
          .addDependency("observe", "fail")
          .build();
        await runFailure(new LocalRuntime({ dataflow: db }).execute(wf, { transaction: true }));
        expect(seen).toEqual([1]);
        const quoted = p.name === "mysql" ? `\`${Note.table}\`` : `"${Note.table}"`;
        expect(await raw.query(`SELECT title FROM ${quoted} WHERE title = 'draft'`)).toEqual([]);
      } finally {
        await raw.close();
        await db.close();
      }
    });

    const onePool = p.name === "sqlite" ? " (skipped: SQLite has one connection, no pool to exhaust)" : "";
    it.skipIf(onePool !== "")(`a caller waiting for a connection shows in stats() and logs one pool exhaustion warning${onePool}`, async () => {
      const logger = recordingLogger();
      const db = new DataFlow({ url: p.url, namespace: `${p.name}_pool`, logger, pool: { max: 1 } });
      try {
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => (entered = resolve));
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const holder = db.transaction(async () => {
          await db.sql`SELECT 1`;
          entered();
          await held;
        });
        await inside;
        const waiting = db.healthCheck();
        let figures = db.stats().connections;
        for (let i = 0; i < 200 && figures.waiting === 0; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          figures = db.stats().connections;
        }
        expect(figures).toMatchObject({ total: 1, idle: 0, waiting: 1 });
        release();
        await holder;
        expect((await waiting).ok).toBe(true);
        const warnings = logger.records.filter((r) => r.msg?.startsWith("connection pool exhausted"));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatchObject({ level: "warn", obj: { max: 1 } });
      } finally {
        await db.close();
      }
    });
  });
}
