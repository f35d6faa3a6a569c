import type { ExecuteOptions } from "@dataflow/kernel";
import { LocalRuntime, TenantError, TransactionError, UniqueViolationError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import { prng } from "./support.js";
import type { Target } from "./targets.js";
import { modelName } from "./targets.js";

/**
 * Randomized isolation: several tenants run mixed operations of every node type concurrently
 * through one LocalRuntime (each tenant's own operations in sequence, so its expected state is
 * exact), including attempts on other tenants' ids and colliding natural keys. Every outcome goes to
 * a per-tenant ledger; afterwards the database, read through a raw driver connection, must hold for
 * each tenant exactly the rows its ledger says.
 */

export interface IsolationOptions {
  seed: number;
  tenants: number;
  operationsPerTenant: number;
  /** Pool size: small, so tenants share (and reuse) connections. */
  poolMax: number;
  /** Each tenant compares its stored rows with its ledger after every `checkEvery` of its operations. */
  checkEvery: number;
}

export interface IsolationFigures {
  target: string;
  seed: number;
  tenants: number;
  operations: number;
  succeeded: number;
  refused: number;
  /** Operations whose outcome contradicted the tenant's own ledger (a wrong success, failure or count). */
  ledgerMismatches: number;
  /** Rows of operation results checked, and those that belonged to another tenant. */
  resultRowsChecked: number;
  resultRowsCrossed: number;
  /** Rows compared with the ledgers (raw driver), at checkpoints and after the run. */
  rowsChecked: number;
  /** Stored rows of another tenant, written by another tenant, or gone without an operation of their own tenant. */
  rowsCrossed: number;
  /** Operations retried after a retryable error (deadlock, serialization failure): nothing was written. */
  retries: number;
  byOperation: Record<string, { ok: number; refused: number }>;
  notes: string[];
}

interface Item {
  sku: string;
  qty: number;
  note: string | null;
}

/** Every write also sets `writer` to the writing tenant: a stored or returned row another tenant wrote is a crossed row. */

const SKUS = 60;
const OPS = ["Create", "Read", "Update", "Delete", "List", "Count", "Upsert", "BulkCreate", "BulkUpdate", "BulkDelete", "BulkUpsert"] as const;
type Op = (typeof OPS)[number];
const WEIGHTS: Record<Op, number> = {
  Create: 14,
  Read: 10,
  Update: 9,
  Delete: 6,
  List: 8,
  Count: 5,
  Upsert: 12,
  BulkCreate: 9,
  BulkUpdate: 6,
  BulkDelete: 5,
  BulkUpsert: 10,
};

/** The tenant names of a run (valid for every strategy). */
export function tenantNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `tn${i}`);
}

type Expect = "ok" | "fail" | "either";

class TenantWorker {
  readonly ledger = new Map<string, Item>();
  private fresh = 0;
  private readonly random: () => number;

  constructor(
    readonly tenant: string,
    readonly index: number,
    seed: number,
    private readonly all: TenantWorker[],
    private readonly figures: IsolationFigures,
    private readonly execute: (tenant: string, op: Op, params: Record<string, unknown>, viaRun: boolean) => Promise<any>,
  ) {
    this.random = prng(seed * 1000 + index);
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }
  private pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[this.int(items.length)] : undefined;
  }
  private sku(): string {
    return `sku${this.int(SKUS)}`;
  }
  /** Ids made up during the current operation: no tenant can hold them yet. */
  private readonly newIds = new Set<string>();
  private freshId(): string {
    const id = `${this.tenant}-${++this.fresh}`;
    this.newIds.add(id);
    return id;
  }
  /** An id neither this tenant's nor new: another tenant may hold it (even one this tenant made up and later deleted). */
  private mayBeForeign(id: string): boolean {
    return !this.ledger.has(id) && !this.newIds.has(id);
  }
  private ownId(): string | undefined {
    return this.pick([...this.ledger.keys()]);
  }
  /** An id another tenant holds (or held): the cross-tenant probes. */
  private foreignId(): string | undefined {
    const other = this.all[(this.index + 1 + this.int(this.all.length - 1)) % this.all.length]!;
    return other === this ? undefined : this.pick([...other.ledger.keys()]);
  }
  /** own / foreign / never-used ids, for single-row probes. */
  private targetId(): { id: string; own: boolean } {
    const r = this.random();
    const id = (r < 0.55 ? this.ownId() : r < 0.85 ? this.foreignId() : undefined) ?? this.freshId();
    // With a table per tenant (schema strategy) an id another tenant holds can be this tenant's too.
    return { id, own: this.ledger.has(id) };
  }
  private skuOwnedBy(sku: string): string | undefined {
    for (const [id, item] of this.ledger) if (item.sku === sku) return id;
    return undefined;
  }
  private matching(pred: (item: Item, id: string) => boolean): string[] {
    return [...this.ledger].filter(([id, item]) => pred(item, id)).map(([id]) => id);
  }

  private mismatch(what: string): void {
    this.figures.ledgerMismatches++;
    if (this.figures.notes.length < 20) this.figures.notes.push(`${this.tenant}: ${what}`);
  }

  /** Every row an operation returns must be this tenant's, and (when it claims to be current) equal the ledger. */
  private checkRows(rows: Array<Record<string, unknown>>, current: boolean): void {
    for (const row of rows) {
      this.figures.resultRowsChecked++;
      const id = String(row.id);
      if (row.tenant_id !== this.tenant || row.writer !== this.tenant) {
        this.figures.resultRowsCrossed++;
        if (this.figures.notes.length < 20)
          this.figures.notes.push(`${this.tenant}: result row ${id} of tenant ${String(row.tenant_id)}, written by ${String(row.writer)}`);
        continue;
      }
      if (!current) continue;
      const item = this.ledger.get(id);
      if (!item) this.mismatch(`returned row ${id} is not in the ledger`);
      else if (item.sku !== row.sku || item.qty !== row.qty || item.note !== row.note) this.mismatch(`row ${id} differs from the ledger`);
    }
  }

  /** The operation this tenant ran last (named in notes). */
  last = "";
  /** Compares this tenant's stored rows with its ledger (between its own operations, so exactly). */
  checkpoint: (() => Promise<void>) | undefined;

  async runAll(count: number, checkEvery: number): Promise<void> {
    const total = OPS.reduce((s, op) => s + WEIGHTS[op], 0);
    for (let i = 1; i <= count; i++) {
      let r = this.int(total);
      const op = OPS.find((o) => (r -= WEIGHTS[o]) < 0)!;
      this.newIds.clear();
      await this.step(op);
      if (i % checkEvery === 0) await this.checkpoint?.();
    }
  }

  private async attempt(op: Op, params: Record<string, unknown>, expect: Expect): Promise<any> {
    const viaRun = this.chance(0.5);
    this.last = `${op} ${JSON.stringify(params)}`;
    this.figures.operations++;
    const stats = (this.figures.byOperation[op] ??= { ok: 0, refused: 0 });
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.execute(this.tenant, op, params, viaRun);
        stats.ok++;
        this.figures.succeeded++;
        if (expect === "fail") this.mismatch(`${op} succeeded but the ledger says it must fail: ${JSON.stringify(params)}`);
        return out;
      } catch (error) {
        const cause = (error instanceof WorkflowExecutionError ? error.cause : error) as Error & { retryable?: boolean };
        if (cause instanceof TransactionError && cause.retryable && attempt < 5) {
          this.figures.retries++;
          continue;
        }
        stats.refused++;
        this.figures.refused++;
        const expected = cause instanceof TenantError || cause instanceof UniqueViolationError || cause.name === "NotFoundError";
        if (!expected) this.mismatch(`${op} failed with ${cause.name}: ${cause.message}`);
        if (expect === "ok") this.mismatch(`${op} failed (${cause.name}) but the ledger says it must succeed: ${JSON.stringify(params)}`);
        return undefined;
      }
    }
  }

  private async step(op: Op): Promise<void> {
    switch (op) {
      case "Create": {
        const r = this.random();
        const id = (r < 0.8 ? this.freshId() : r < 0.9 ? this.ownId() : this.foreignId()) ?? this.freshId();
        const item: Item = { sku: this.sku(), qty: this.int(100), note: null };
        const own = this.ledger.has(id) || this.skuOwnedBy(item.sku) !== undefined;
        const out = await this.attempt(op, { data: { id, ...item, writer: this.tenant } }, own ? "fail" : this.mayBeForeign(id) ? "either" : "ok");
        if (out) {
          this.checkRows([out.result], false);
          this.ledger.set(id, item);
        }
        return;
      }
      case "Read": {
        const { id, own } = this.targetId();
        const out = await this.attempt(op, { id, raiseOnNotFound: false }, "ok");
        if (!out) return;
        if (out.found !== own) this.mismatch(`Read ${id}: found=${out.found}, ledger says ${own}`);
        if (out.found) this.checkRows([out.result], true);
        return;
      }
      case "Update": {
        const { id, own } = this.targetId();
        const qty = this.int(100);
        const out = await this.attempt(op, { id, fields: { qty, writer: this.tenant } }, own ? "ok" : "fail");
        if (!out) return;
        const item = this.ledger.get(id);
        if (item) item.qty = qty;
        this.checkRows([out.result], true);
        return;
      }
      case "Delete": {
        const { id, own } = this.targetId();
        const out = await this.attempt(op, { id, raiseOnNotFound: false }, "ok");
        if (!out) return;
        if (out.result.deleted !== own) this.mismatch(`Delete ${id}: deleted=${out.result.deleted}, ledger says ${own}`);
        if (out.result.deleted) this.ledger.delete(id);
        return;
      }
      case "List": {
        const min = this.int(100);
        const probe = this.chance(0.3);
        const ids = probe ? [this.ownId(), this.foreignId(), this.foreignId()].filter((x): x is string => x !== undefined) : [];
        const filter = probe ? { id: { $in: ids.length ? ids : ["none"] } } : { qty: { $gte: min } };
        const out = await this.attempt(op, { filter, orderBy: "id" }, "ok");
        if (!out) return;
        this.checkRows(out.result, true);
        const want = this.matching((item, id) => (probe ? ids.includes(id) : item.qty >= min)).sort();
        const got = out.result.map((r: { id: string }) => r.id).sort();
        if (JSON.stringify(want) !== JSON.stringify(got)) this.mismatch(`List returned ${got.length} rows, ledger has ${want.length}`);
        return;
      }
      case "Count": {
        const max = this.int(100);
        const byTenant = this.chance(0.2);
        const filter = byTenant ? { tenant_id: this.all[this.int(this.all.length)]!.tenant } : { qty: { $lt: max } };
        const out = await this.attempt(op, { filter }, "ok");
        if (!out) return;
        const want = byTenant ? (filter.tenant_id === this.tenant ? this.ledger.size : 0) : this.matching((item) => item.qty < max).length;
        if (out.result !== want) this.mismatch(`Count ${out.result}, ledger ${want}`);
        return;
      }
      case "Upsert": {
        const qty = this.int(100);
        if (this.chance(0.6)) {
          const sku = this.sku();
          const owner = this.skuOwnedBy(sku);
          let id = (this.chance(0.2) ? this.foreignId() : this.freshId()) ?? this.freshId();
          // As in BulkUpsert: never a row that meets two different rows of its own tenant (by id and by sku).
          if (owner !== undefined && id !== owner && this.ledger.has(id)) id = this.freshId();
          const out = await this.attempt(
            op,
            { where: { sku }, create: { id, qty, note: "c", writer: this.tenant }, update: { qty, writer: this.tenant } },
            this.mayBeForeign(id) ? "either" : owner === undefined && this.ledger.has(id) ? "fail" : "ok",
          );
          if (!out) return;
          if (out.created !== (owner === undefined)) this.mismatch(`Upsert by sku: created=${out.created}, ledger owner ${owner}`);
          if (owner !== undefined) this.ledger.get(owner)!.qty = qty;
          else this.ledger.set(id, { sku, qty, note: "c" });
          this.checkRows([out.result], true);
        } else {
          const { id, own } = this.targetId();
          const sku = this.sku();
          const skuTaken = this.skuOwnedBy(sku) !== undefined;
          const foreign = this.mayBeForeign(id);
          const expect: Expect = own ? "ok" : skuTaken ? "fail" : foreign ? "either" : "ok";
          const out = await this.attempt(
            op,
            { where: { id }, create: { sku, qty, note: "i", writer: this.tenant }, update: { qty, writer: this.tenant } },
            expect,
          );
          if (!out) return;
          if (out.created !== !own) this.mismatch(`Upsert by id: created=${out.created}, own=${own}`);
          if (own) this.ledger.get(id)!.qty = qty;
          else this.ledger.set(id, { sku, qty, note: "i" });
          this.checkRows([out.result], true);
        }
        return;
      }
      case "BulkCreate": {
        const rows: Array<{ id: string; writer: string } & Item> = [];
        for (let n = 1 + this.int(5); n > 0; n--) {
          const r = this.random();
          const id = (r < 0.75 ? this.freshId() : r < 0.87 ? this.ownId() : this.foreignId()) ?? this.freshId();
          rows.push({ id, sku: this.sku(), qty: this.int(100), note: "b", writer: this.tenant });
        }
        const skip = this.chance(0.6);
        const ids = new Set<string>();
        const skus = new Set<string>();
        const inserted: typeof rows = [];
        for (const row of rows) {
          // A skipped row leaves no trace, so only inserted rows can clash with later rows of the batch.
          const clash = this.ledger.has(row.id) || this.skuOwnedBy(row.sku) !== undefined || ids.has(row.id) || skus.has(row.sku);
          if (clash) continue;
          ids.add(row.id);
          skus.add(row.sku);
          inserted.push(row);
        }
        const anyForeign = rows.some((row) => this.mayBeForeign(row.id));
        const expect: Expect = anyForeign ? "either" : skip || inserted.length === rows.length ? "ok" : "fail";
        const out = await this.attempt(op, { data: rows, ...(skip ? { onConflict: "skip" } : {}) }, expect);
        if (!out) return;
        if (out.result.inserted !== inserted.length) this.mismatch(`BulkCreate inserted ${out.result.inserted}, ledger ${inserted.length}`);
        for (const row of inserted) this.ledger.set(row.id, { sku: row.sku, qty: row.qty, note: row.note });
        return;
      }
      case "BulkUpdate": {
        const probe = this.chance(0.3);
        const ids = [this.ownId(), this.foreignId(), this.foreignId()].filter((x): x is string => x !== undefined);
        const max = this.int(100);
        const filter = probe ? { id: { $in: ids.length ? ids : ["none"] } } : { qty: { $lt: max } };
        const note = `u${this.int(1000)}`;
        const out = await this.attempt(op, { filter, fields: { note, writer: this.tenant } }, "ok");
        if (!out) return;
        const hit = this.matching((item, id) => (probe ? ids.includes(id) : item.qty < max));
        if (out.result.updated !== hit.length) this.mismatch(`BulkUpdate updated ${out.result.updated}, ledger ${hit.length}`);
        for (const id of hit) this.ledger.get(id)!.note = note;
        return;
      }
      case "BulkDelete": {
        const probe = this.chance(0.5);
        const ids = [this.ownId(), this.foreignId(), this.foreignId(), this.foreignId()].filter((x): x is string => x !== undefined);
        const min = 90 + this.int(10);
        const filter = probe ? { id: { $in: ids.length ? ids : ["none"] } } : { qty: { $gte: min } };
        const out = await this.attempt(op, { filter }, "ok");
        if (!out) return;
        const hit = this.matching((item, id) => (probe ? ids.includes(id) : item.qty >= min));
        if (out.result.deleted !== hit.length) this.mismatch(`BulkDelete deleted ${out.result.deleted}, ledger ${hit.length}`);
        for (const id of hit) this.ledger.delete(id);
        return;
      }
      case "BulkUpsert": {
        const rows: Array<{ id: string; writer: string } & Item> = [];
        const skus = new Set<string>();
        for (let n = 1 + this.int(4); n > 0; n--) {
          const sku = this.sku();
          if (skus.has(sku)) continue;
          skus.add(sku);
          const owner = this.skuOwnedBy(sku);
          let id = (this.chance(0.15) ? this.foreignId() : (owner ?? this.freshId())) ?? owner ?? this.freshId();
          // (schema strategy) another tenant's id may also be one of this tenant's rows; a row meeting two
          // different rows of its own tenant (by id and by sku) is resolved differently by each database.
          if (id !== owner && this.ledger.has(id)) id = owner ?? this.freshId();
          rows.push({ id, sku, qty: this.int(100), note: "bu", writer: this.tenant });
        }
        const anyForeign = rows.some((row) => this.mayBeForeign(row.id));
        const out = await this.attempt(op, { data: rows, conflictOn: ["sku"] }, anyForeign ? "either" : "ok");
        if (!out) return;
        let updated = 0;
        for (const row of rows) {
          const owner = this.skuOwnedBy(row.sku);
          if (owner !== undefined) {
            updated++;
            Object.assign(this.ledger.get(owner)!, { qty: row.qty, note: row.note });
          } else this.ledger.set(row.id, { sku: row.sku, qty: row.qty, note: row.note });
        }
        if (out.result.updated !== updated || out.result.inserted !== rows.length - updated) {
          this.mismatch(`BulkUpsert ${JSON.stringify(out.result)}, ledger updated ${updated} of ${rows.length}`);
        }
        return;
      }
    }
  }
}

/** Declares the model, runs the tenants concurrently, then checks the stored rows against the ledgers. */
export async function runIsolation(target: Target, options: IsolationOptions): Promise<IsolationFigures> {
  const { db, tenancy } = target.open({ pool: { max: options.poolMax } });
  const name = modelName("Item");
  const model = db.model(
    name,
    {
      id: field.string({ maxLength: 40 }),
      sku: field.string({ maxLength: 20 }).unique(),
      qty: field.int(),
      note: field.string({ maxLength: 20 }).optional(),
      writer: field.string({ maxLength: 20 }),
    },
    { tenant: true },
  );
  await db.initialize();
  const runtime = new LocalRuntime({ dataflow: db, maxConcurrency: 4 });
  const figures: IsolationFigures = {
    target: target.name,
    seed: options.seed,
    tenants: options.tenants,
    operations: 0,
    succeeded: 0,
    refused: 0,
    ledgerMismatches: 0,
    resultRowsChecked: 0,
    resultRowsCrossed: 0,
    rowsChecked: 0,
    rowsCrossed: 0,
    retries: 0,
    byOperation: {},
    notes: [],
  };
  const execute = (tenant: string, op: Op, params: Record<string, unknown>, viaRun: boolean) => {
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(`${name}_${op}`, "n", params).build();
    const run = (opts: ExecuteOptions) => runtime.execute(wf, opts).then((r) => r.results.n);
    return viaRun ? tenancy.run(tenant, () => run({})) : run({ tenantId: tenant });
  };
  const workers: TenantWorker[] = [];
  for (const [i, tenant] of tenantNames(options.tenants).entries()) {
    workers.push(new TenantWorker(tenant, i, options.seed, workers, figures, execute));
  }
  for (const w of workers) {
    w.checkpoint = async () => compareTenant(w, await target.rawTenantRows(model.table, w.tenant), figures);
  }
  await Promise.all(workers.map((w) => w.runAll(options.operationsPerTenant, options.checkEvery)));
  await compareStored(target, model.table, workers, figures);
  await db.close();
  return figures;
}

function crossed(figures: IsolationFigures, why: string): void {
  figures.rowsCrossed++;
  if (figures.notes.length < 40) figures.notes.push(why);
}

function mismatchStored(figures: IsolationFigures, why: string, w: TenantWorker): void {
  figures.ledgerMismatches++;
  if (figures.notes.length < 40) figures.notes.push(`${why} (after ${w.last})`);
}

/**
 * One tenant's stored rows against its ledger. Crossed: a row of another tenant, a row another
 * tenant wrote, or a ledger row that is gone. A row this tenant wrote that differs from its ledger is
 * a ledger mismatch (wrong semantics of its own operations), counted apart.
 */
function compareTenant(w: TenantWorker, rows: Record<string, unknown>[], figures: IsolationFigures): void {
  const mine = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    if (row.tenant_id !== w.tenant) crossed(figures, `row ${String(row.id)} of tenant ${String(row.tenant_id)} is stored as ${w.tenant}'s`);
    else mine.set(String(row.id), row);
  }
  const ids = new Set([...mine.keys(), ...w.ledger.keys()]);
  figures.rowsChecked += ids.size;
  for (const id of ids) {
    const row = mine.get(id);
    const item = w.ledger.get(id);
    if (row && row.writer !== w.tenant) crossed(figures, `${w.tenant}: row ${id} was written by ${String(row.writer)}`);
    else if (!row) crossed(figures, `${w.tenant}: ledger row ${id} is gone`);
    else if (!item) mismatchStored(figures, `${w.tenant}: stored row ${id} is not in its ledger`, w);
    else if (row.sku !== item.sku || Number(row.qty) !== item.qty || (row.note ?? null) !== item.note)
      mismatchStored(figures, `${w.tenant}: row ${id} differs from its ledger`, w);
  }
}

/** After the run: every stored row (raw driver) against the ledgers, including rows of no known tenant. */
async function compareStored(target: Target, table: string, workers: TenantWorker[], figures: IsolationFigures): Promise<void> {
  const tenants = new Set(workers.map((w) => w.tenant));
  if (target.strategy === "schema") {
    const shared = await target.rawRows(table);
    figures.rowsChecked += shared.length;
    for (const row of shared) crossed(figures, `row ${String(row.id)} in the shared table`);
    for (const w of workers) compareTenant(w, await target.rawRows(table, w.tenant), figures);
    return;
  }
  const all = await target.rawRows(table);
  for (const row of all) {
    if (!tenants.has(String(row.tenant_id))) {
      figures.rowsChecked++;
      crossed(figures, `row ${String(row.id)} has tenant ${String(row.tenant_id)}`);
    }
  }
  for (const w of workers)
    compareTenant(
      w,
      all.filter((r) => r.tenant_id === w.tenant),
      figures,
    );
}

/** One line per run, the figures the README quotes. */
export function describeFigures(f: IsolationFigures): string {
  return (
    `[tenancy isolation] ${f.target}: seed=${f.seed} operations=${f.operations} tenants=${f.tenants} ` +
    `succeeded=${f.succeeded} refused=${f.refused} retried=${f.retries} rows checked=${f.rowsChecked} result rows checked=${f.resultRowsChecked} ` +
    `rows crossed=${f.rowsCrossed + f.resultRowsCrossed} ledger mismatches=${f.ledgerMismatches}`
  );
}
