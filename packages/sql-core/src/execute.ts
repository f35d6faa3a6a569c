import type {
  BulkCreateOperation,
  BulkUpsertOperation,
  DeleteOperation,
  FilterNode,
  ListOperation,
  Model,
  ModelField,
  ModelOperation,
  NodeContext,
  OperationResults,
  ProgressReporter,
  ReadOperation,
  RowData,
  UpsertOperation,
} from "@dataflow/kernel/plugin";
import { DataFlowError, NotFoundError, ambiguousMatch, bulkRowCount, bulkRowGroups, encodeCursor, progressFor } from "@dataflow/kernel/plugin";
import type { QueryResult, SqlExecutor } from "./driver.js";
import { withRegexField } from "./failures.js";
import { pinsPrimaryKey } from "./compile.js";
import type { Statement } from "./statements.js";
import * as compile from "./statements.js";
import { byKey, insertColumns } from "./statements.js";
import type { SqlTarget } from "./target.js";

/**
 * The executor of the pipeline: runs the compiled statements (`statements.ts`) of an operation on
 * the connection the session chooses (`adapter.executorFor(ctx)`, `adapter.transaction`), and
 * turns their results into the node's result. Multi-statement flows (read-back without RETURNING,
 * lock-then-change by a filter, upserts, batches) are sequenced here.
 */

type Result = OperationResults[keyof OperationResults];

/**
 * A value now, or later. A synchronous driver (`queryNow`) runs a single-statement operation
 * without a promise per step; the others get one promise chain. Multi-statement flows just await.
 */
type Maybe<T> = T | Promise<T>;

function then<T, U>(value: Maybe<T>, fn: (value: T) => U): Maybe<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** Runs a statement: now where the executor can, else through its promise. */
function resultOf(exec: SqlExecutor, statement: Statement): Maybe<QueryResult> {
  return exec.queryNow?.(statement.text, statement.params, statement.slot) ?? Promise.resolve(exec.query(statement.text, statement.params));
}

function decoded(result: QueryResult, statement: Statement): RowData[] {
  const rows = result.rows;
  const decode = statement.decode;
  if (decode) for (let i = 0; i < rows.length; i++) decode(rows[i]!);
  return rows as RowData[];
}

/**
 * Runs a statement, decodes its rows and makes the node's result of them with `finish(a, b, rows)`
 * in one step (one promise reaction on an async driver). `finish` is a module-level function and its
 * inputs come as arguments, so a synchronous run allocates no closure.
 */
function finishRows<A, B, R>(exec: SqlExecutor, statement: Statement, finish: (a: A, b: B, rows: RowData[]) => R, a: A, b: B): Maybe<R> {
  const now = exec.queryNow?.(statement.text, statement.params, statement.slot);
  if (now !== undefined) return finish(a, b, decoded(now, statement));
  return Promise.resolve(exec.query(statement.text, statement.params)).then((result) => finish(a, b, decoded(result, statement)));
}

const asRows = (_a: unknown, _b: unknown, rows: RowData[]): RowData[] => rows;

/** Runs a statement and decodes its rows in place. */
function rowsOf(exec: SqlExecutor, statement: Statement): Maybe<RowData[]> {
  return finishRows(exec, statement, asRows, undefined, undefined);
}

function primaryKeyValue(where: FilterNode): unknown {
  if (where.t === "cmp" && where.field.primaryKey) return where.value;
  if (where.t === "and")
    for (const n of where.items) {
      const v = primaryKeyValue(n);
      if (v !== undefined) return v;
    }
  return undefined;
}

function notFound(model: Model, what: string): NotFoundError {
  return new NotFoundError(`${model.name} ${what} was not found`, { fix: "Check the id or filter; Read accepts raiseOnNotFound: false" });
}

function selectOne(adapter: SqlTarget, exec: SqlExecutor, model: Model, where: FilterNode): Maybe<RowData[]> {
  return rowsOf(exec, compile.selectOne(adapter.dialect, model, where));
}

/** Primary keys of the rows matching `where` (at most 2), locked for update inside a transaction. */
async function matchingKeys(adapter: SqlTarget, exec: SqlExecutor, model: Model, where: FilterNode): Promise<unknown[]> {
  const rows = await rowsOf(exec, compile.matchingKeys(adapter.dialect, model, where));
  return rows.map((r) => r[model.primaryKey.name]);
}

/** INSERT without RETURNING, then the row read back by its key. */
async function insertThenRead(adapter: SqlTarget, exec: SqlExecutor, model: Model, data: RowData, statement: Statement): Promise<RowData> {
  const res = await exec.query(statement.text, statement.params);
  const key = model.primaryKey.name;
  const id = Object.hasOwn(data, key) ? data[key] : res.insertId;
  const [row] = await selectOne(adapter, exec, model, byKey(model, typeof id === "bigint" && model.primaryKey.kind === "int" ? Number(id) : id));
  if (!row) throw new DataFlowError(`The inserted ${model.name} could not be read back`);
  return row;
}

/** UPDATE of the rows matching `where` (RETURNING where the dialect has it, else read back by key), finished as `finish(a, b, rows)`. */
function updateByWhere<A, B, R>(
  adapter: SqlTarget,
  exec: SqlExecutor,
  model: Model,
  where: FilterNode,
  fields: RowData,
  finish: (a: A, b: B, rows: RowData[]) => R,
  a: A,
  b: B,
): Maybe<R> {
  const statement = compile.updateRows(adapter.dialect, model, where, fields, true);
  if (statement.decode) return finishRows(exec, statement, finish, a, b);
  return updateThenRead(adapter, exec, model, where, statement).then((row) => finish(a, b, row ? [row] : []));
}

const firstRow = (_a: unknown, _b: unknown, rows: RowData[]): RowData | undefined => rows[0];

/** UPDATE without RETURNING, then the row read back by its key. */
async function updateThenRead(adapter: SqlTarget, exec: SqlExecutor, model: Model, where: FilterNode, statement: Statement): Promise<RowData | undefined> {
  const res = await exec.query(statement.text, statement.params);
  if (res.rowCount === 0) return undefined;
  const [row] = await selectOne(adapter, exec, model, byKey(model, primaryKeyValue(where)));
  return row;
}

function deleteByWhere(adapter: SqlTarget, exec: SqlExecutor, model: Model, where: FilterNode, soft: boolean, now: Date): Maybe<number> {
  return then(resultOf(exec, compile.deleteRows(adapter.dialect, model, where, soft, now)), (res) => res.rowCount);
}

/** Update/Delete by a filter that is not the primary key: find the one row under lock, then change it by key. */
async function singleByFilter<T>(
  adapter: SqlTarget,
  ctx: NodeContext,
  model: Model,
  where: FilterNode,
  node: string,
  change: (exec: SqlExecutor, key: unknown) => Promise<T>,
): Promise<T | undefined> {
  return adapter.transaction(
    async (exec) => {
      const keys = await matchingKeys(adapter, exec, model, where);
      if (keys.length > 1) throw ambiguousMatch(model, node);
      if (keys.length === 0) return undefined;
      return change(exec, keys[0]);
    },
    {},
    ctx,
  );
}

function list(adapter: SqlTarget, exec: SqlExecutor, op: ListOperation): Maybe<OperationResults["List"]> {
  const statement = compile.listRows(adapter.dialect, op);
  return finishRows(exec, statement, listResult, op, statement.extra);
}

const createResult = (_a: unknown, _b: unknown, rows: RowData[]): OperationResults["Create"] => ({ result: rows[0]! });

function create(adapter: SqlTarget, exec: SqlExecutor, model: Model, data: RowData): Maybe<OperationResults["Create"]> {
  const statement = compile.insertRow(adapter.dialect, model, data);
  if (statement.decode) return finishRows(exec, statement, createResult, undefined, undefined);
  return insertThenRead(adapter, exec, model, data, statement).then((row) => ({ result: row }));
}

/** An Update by key with RETURNING: its one row, or NotFound. */
function updateResult(model: Model, where: FilterNode, rows: RowData[]): OperationResults["Update"] {
  const row = rows[0];
  if (!row) throw notFound(model, describeTarget(where));
  return { result: row };
}

const countResult = (_a: unknown, _b: unknown, rows: RowData[]): OperationResults["Count"] => ({ result: Number(rows[0]!.n) });

function listResult(op: ListOperation, extra: readonly string[], rows: RowData[]): OperationResults["List"] {
  const last = rows.at(-1);
  const nextCursor = op.limit !== undefined && op.limit > 0 && rows.length === op.limit && last ? encodeCursor(last, op.orderBy) : undefined;
  if (extra.length) for (const r of rows) for (const n of extra) delete r[n];
  return nextCursor === undefined ? { result: rows, count: rows.length } : { result: rows, count: rows.length, nextCursor };
}

/** The default single-row upsert, by the dialect's `upsertStrategy` (see `SqlTarget.upsert`). */
export async function upsertRow(adapter: SqlTarget, ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
  const d = adapter.dialect;
  const model = op.model;
  const conflictWhere = compile.conflictTarget(op);
  if (d.upsertStrategy === "precheck") {
    return adapter.transaction(
      async (exec) => {
        const keys = await matchingKeys(adapter, exec, model, conflictWhere);
        if (keys.length === 0) return { result: (await create(adapter, exec, model, op.create)).result, created: true };
        const fields = Object.keys(op.update).length ? op.update : undefined;
        const row = fields
          ? await updateByWhere(adapter, exec, model, byKey(model, keys[0]), fields, firstRow, undefined, undefined)
          : (await selectOne(adapter, exec, model, byKey(model, keys[0])))[0];
        return { result: row!, created: false };
      },
      {},
      ctx,
    );
  }
  const exec = adapter.executorFor(ctx);
  const statement = compile.upsertOne(d, op);
  if (d.upsertStrategy === "returning-inserted-flag") {
    const { rows } = await exec.query(statement.text, statement.params);
    const raw = rows[0]!;
    const created = raw.df_inserted === true || raw.df_inserted === 1;
    delete raw.df_inserted;
    return { result: statement.decode!(raw), created };
  }
  const res = await exec.query(statement.text, statement.params);
  const [row] = await selectOne(adapter, exec, model, conflictWhere);
  return { result: row!, created: res.rowCount === 1 };
}

/**
 * Multi-row INSERT in batches, inside one transaction (or savepoint), so a failing batch leaves
 * no row of the node behind. Adapters with a faster path declare a `bulkWrite` strategy.
 */
export async function multiRowBulkWrite(
  adapter: SqlTarget,
  ctx: NodeContext,
  op: BulkCreateOperation | BulkUpsertOperation,
  progress?: ProgressReporter,
): Promise<{ inserted: number; skipped: number; updated: number }> {
  const d = adapter.dialect;
  const mode = compile.bulkMode(op);
  const groups = bulkRowGroups(op);
  const totals = { inserted: 0, skipped: 0, updated: 0 };
  if (groups.length === 0) return totals;
  const flagged = mode === "update" && Boolean(d.insertedFlag);
  let done = 0;
  await adapter.transaction(
    async (exec) => {
      for (const { fields, rows } of groups) {
        const size = compile.batchSize(d, op.batchSize, fields.length);
        for (let start = 0; start < rows.length; start += size) {
          const chunk = rows.slice(start, start + size);
          const statement = compile.insertBatch(d, op, fields, chunk);
          const res = await exec.query(statement.text, statement.params);
          if (mode === "error") totals.inserted += res.rowCount;
          else if (mode === "skip") {
            totals.inserted += res.rowCount;
            totals.skipped += chunk.length - res.rowCount;
          } else if (flagged) {
            const inserted = res.rows.filter((r) => r.df_inserted === true || r.df_inserted === 1).length;
            totals.inserted += inserted;
            totals.updated += res.rows.length - inserted;
          } else {
            // MySQL reports 1 per inserted row and 2 per updated row (0 when nothing changed).
            const updated = res.rowCount - chunk.length;
            totals.updated += Math.max(0, updated);
            totals.inserted += chunk.length - Math.max(0, updated);
          }
          done += chunk.length;
          progress?.report(done);
        }
      }
    },
    {},
    ctx,
  );
  return totals;
}

/** A model in another schema whose adapter-specific write paths may not qualify its table: use the generic ones. */
function placedElsewhere(adapter: SqlTarget, model: Model): boolean {
  return model.schema !== undefined && !adapter.qualifiesTables();
}

/** The adapter's bulk strategy when it has one that serves the model, else the batched multi-row INSERT. */
function bulkWrite(
  adapter: SqlTarget,
  ctx: NodeContext,
  op: BulkCreateOperation | BulkUpsertOperation,
): Promise<{ inserted: number; skipped: number; updated: number }> {
  const count = bulkRowCount(op);
  const progress = progressFor(ctx, op.kind, op.model.name, count);
  const written =
    adapter.bulkWrite && !placedElsewhere(adapter, op.model) ? adapter.bulkWrite(ctx, op, progress) : multiRowBulkWrite(adapter, ctx, op, progress);
  if (progress === undefined) return written;
  return written.then((totals) => {
    progress.report(count, true);
    return totals;
  });
}

/** A filter-based bulk change is one statement: its progress is one final report of the rows it changed. */
function reportChanged(ctx: NodeContext, op: ModelOperation, changed: number): void {
  progressFor(ctx, op.kind, op.model.name, changed)?.report(changed, true);
}

/** True when a write puts explicit values into an auto-increment primary key. */
function writesExplicitKeys(op: ModelOperation): boolean {
  const pk = op.model.primaryKey;
  if (!pk.autoIncrement) return false;
  switch (op.kind) {
    case "Create":
      return Object.hasOwn(op.data, pk.name);
    case "Upsert":
      return Object.hasOwn(op.create, pk.name);
    case "BulkCreate":
    case "BulkUpsert":
      return bulkRowGroups(op).some((group) => group.fields.includes(pk));
    default:
      return false;
  }
}

/** Executes a validated operation with SQL. Driver errors become DataFlow errors. */
export function executeOperation(adapter: SqlTarget, op: ModelOperation, ctx: NodeContext): Promise<Result> {
  const out = performOperation(adapter, op, ctx);
  return out instanceof Promise ? out : Promise.resolve(out);
}

/**
 * `executeOperation` without the final promise: the node's result itself when every statement ran
 * synchronously (a driver with `queryNow` that did not have to wait), else a promise. A failure is
 * always a rejected promise (mapped like `executeOperation`'s), never thrown.
 */
export function performOperation(adapter: SqlTarget, op: ModelOperation, ctx: NodeContext): Maybe<Result> {
  const after = adapter.afterExplicitKeys;
  if (!after || !writesExplicitKeys(op)) return runOperation(adapter, op, ctx);
  return Promise.resolve(runOperation(adapter, op, ctx)).then(async (result) => {
    await after.call(adapter, ctx, op.model);
    return result;
  });
}

function runOperation(adapter: SqlTarget, op: ModelOperation, ctx: NodeContext): Maybe<Result> {
  let out: Maybe<Result>;
  try {
    out = operation(adapter, op, ctx);
  } catch (error) {
    return Promise.reject(failureOf(adapter, op, error));
  }
  return out instanceof Promise
    ? out.then(undefined, (error: unknown) => {
        throw failureOf(adapter, op, error);
      })
    : out;
}

/** Driver errors become DataFlow errors. */
function failureOf(adapter: SqlTarget, op: ModelOperation, error: unknown): unknown {
  const mapped = withRegexField(error instanceof DataFlowError ? error : adapter.mapError(error, op.model, op.kind), "where" in op ? op.where : undefined);
  adapter.recordError?.(mapped);
  return mapped;
}

function readResult(op: ReadOperation, _b: unknown, rows: RowData[]): OperationResults["Read"] {
  if (rows.length > 1) throw ambiguousMatch(op.model, "Read");
  if (rows.length === 0) {
    if (op.raiseOnNotFound) throw notFound(op.model, describeTarget(op.where));
    return { result: null, found: false };
  }
  return { result: rows[0]!, found: true };
}

function deleteResult(op: DeleteOperation, id: unknown, deleted: boolean): OperationResults["Delete"] {
  if (!deleted && op.raiseOnNotFound) throw notFound(op.model, describeTarget(op.where));
  return { result: { id: id ?? null, deleted } };
}

function operation(adapter: SqlTarget, op: ModelOperation, ctx: NodeContext): Maybe<Result> {
  const model = op.model;
  switch (op.kind) {
    case "Create":
      return create(adapter, adapter.executorFor(ctx), model, op.data);
    case "Read":
      return finishRows(adapter.executorFor(ctx), compile.selectOne(adapter.dialect, model, op.where), readResult, op, undefined);
    case "Update": {
      if (pinsPrimaryKey(op.where, model)) return updateByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.fields, updateResult, model, op.where);
      const found = singleByFilter(adapter, ctx, model, op.where, "Update", (exec, key) =>
        Promise.resolve(updateByWhere(adapter, exec, model, byKey(model, key), op.fields, firstRow, undefined, undefined)),
      );
      return found.then((row) => updateResult(model, op.where, row ? [row] : []));
    }
    case "Delete": {
      const id = primaryKeyValue(op.where);
      if (pinsPrimaryKey(op.where, model)) {
        return then(deleteByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.soft, op.now), (n) => deleteResult(op, id, n > 0));
      }
      const found = singleByFilter(adapter, ctx, model, op.where, "Delete", async (exec, k) => {
        await deleteByWhere(adapter, exec, model, byKey(model, k), op.soft, op.now);
        return k;
      });
      return found.then((key) => deleteResult(op, key === undefined ? id : key, key !== undefined));
    }
    case "List":
      return list(adapter, adapter.executorFor(ctx), op);
    case "Count":
      return finishRows(adapter.executorFor(ctx), compile.countRows(adapter.dialect, model, op.where), countResult, undefined, undefined);
    case "Upsert":
      return adapter.upsert && !placedElsewhere(adapter, model) ? adapter.upsert(ctx, op) : upsertRow(adapter, ctx, op);
    case "BulkCreate":
      return bulkWrite(adapter, ctx, op).then((totals) => ({ result: totals }));
    case "BulkUpsert":
      return bulkWrite(adapter, ctx, op).then(({ inserted, updated }) => ({ result: { inserted, updated } }));
    case "BulkUpdate": {
      const statement = compile.updateRows(adapter.dialect, model, op.where, op.fields, false);
      return then(resultOf(adapter.executorFor(ctx), statement), (res) => {
        reportChanged(ctx, op, res.rowCount);
        return { result: { updated: res.rowCount } };
      });
    }
    case "BulkDelete":
      return then(deleteByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.soft, op.now), (deleted) => {
        reportChanged(ctx, op, deleted);
        return { result: { deleted } };
      });
  }
}

function describeTarget(where: FilterNode): string {
  const id = primaryKeyValue(where);
  return id === undefined ? "matching the filter" : `with id ${JSON.stringify(typeof id === "bigint" ? id.toString() : id)}`;
}
