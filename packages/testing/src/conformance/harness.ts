import { randomBytes } from "node:crypto";
import type { DataFlow } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import { WorkflowExecutionError } from "@dataflow/kernel/plugin";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ConformanceDataFlowOptions, ConformanceOptions, ConformanceOracle, ConformanceUrls } from "./types.js";
import type { WorkerCaseArgs, WorkerCaseName } from "./worker/cases.js";
import type { BoundedResult } from "./worker/run.js";
import { runBounded } from "./worker/run.js";

/**
 * The bound of every bounded-work case, from the end of its setup: far below the seconds these
 * inputs used to take, and generous enough for a loaded CI machine.
 */
export const HOSTILE_BOUND_MS = 2000;

type ErrorClass = abstract new (...args: never[]) => Error;

/** What each test gets: a fresh DataFlow on the suite's database, node runners and the oracle. */
export interface TestContext {
  readonly db: DataFlow;
  readonly oracle: ConformanceOracle;
  /** A table name no other test uses. */
  table(base: string): string;
  /** Runs one node in a one-node workflow and returns its output. */
  run<R = any>(type: string, params: Record<string, unknown>): Promise<R>;
  /** Runs one node and returns the typed error it fails with (the cause of the WorkflowExecutionError). */
  fails(type: string, params: Record<string, unknown>, kind: ErrorClass): Promise<Error>;
  /** Another DataFlow from the adapter's factory (the caller closes it). */
  createDataFlow(options?: ConformanceDataFlowOptions): Promise<DataFlow>;
  /** The adapter's URL scheme details; throws (failing the test) when the adapter gave none. */
  readonly urls: ConformanceUrls;
  /**
   * Runs a case in a worker thread from `options.worker`, terminated unless the case finishes within
   * `HOSTILE_BOUND_MS` of its setup. Rejects (failing the test) when the adapter gave no worker.
   */
  bounded<K extends WorkerCaseName>(kind: K, args: WorkerCaseArgs<K>, what: string): Promise<BoundedResult>;
}

export class Harness {
  private oracleInstance: ConformanceOracle | undefined;
  private readonly skips: Map<string, string>;
  private readonly used = new Set<string>();

  constructor(readonly options: ConformanceOptions) {
    this.skips = new Map(
      (options.skip ?? []).map((s) => {
        if (!s.reason || s.reason.trim().length < 10) throw new Error(`Conformance skip of '${s.test}' needs a real reason`);
        return [s.test, s.reason] as const;
      }),
    );
  }

  install(): void {
    beforeAll(async () => {
      this.oracleInstance = await this.options.createOracle();
    });
    afterAll(async () => {
      await this.oracleInstance?.close();
      await this.options.teardown?.();
      const unknown = [...this.skips.keys()].filter((t) => !this.used.has(t));
      if (unknown.length) throw new Error(`Conformance skips name tests that do not exist: ${unknown.join(", ")}`);
    });
  }

  get oracle(): ConformanceOracle {
    if (!this.oracleInstance) throw new Error("oracle not ready");
    return this.oracleInstance;
  }

  /** Declares a conformance test; skipped only when the adapter lists it with a reason. */
  test(title: string, body: (t: TestContext) => Promise<void>): void {
    this.used.add(title);
    const reason = this.skips.get(title);
    if (reason !== undefined) {
      it.skip(`${title} [skipped: ${reason}]`, () => {});
      return;
    }
    it(title, async () => {
      const db = await this.options.createDataFlow();
      try {
        await body(this.context(db));
      } finally {
        await db.close();
      }
    });
  }

  context(db: DataFlow): TestContext {
    const runtime = new LocalRuntime({ dataflow: db });
    const run = async (type: string, params: Record<string, unknown>) => {
      const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
      const { results } = await runtime.execute(wf);
      return results.n;
    };
    const options = this.options;
    return {
      db,
      oracle: this.oracle,
      createDataFlow: async (o) => options.createDataFlow(o),
      get urls(): ConformanceUrls {
        if (!options.urls)
          throw new Error("ConformanceOptions.urls is missing: give your scheme's URL mistakes (and withPassword), or skip this test with a reason");
        return options.urls;
      },
      bounded(kind, args, what) {
        if (!options.worker?.module) {
          return Promise.reject(
            new Error("ConformanceOptions.worker is missing: bounded-work cases need a factory module for a worker thread, or skip this test with a reason"),
          );
        }
        return runBounded(options.worker, kind, args, HOSTILE_BOUND_MS, what);
      },
      table: (base) => `${base}_${randomBytes(4).toString("hex")}`,
      run,
      async fails(type, params, kind) {
        let caught: unknown;
        try {
          await run(type, params);
        } catch (error) {
          caught = error;
        }
        expect(caught, `${type} should fail with ${kind.name}`).toBeInstanceOf(Error);
        const cause = caught instanceof WorkflowExecutionError ? caught.cause : caught;
        expect(cause, `${type} failed with ${(cause as Error)?.name}: ${(cause as Error)?.message}`).toBeInstanceOf(kind);
        return cause as Error;
      },
    };
  }
}

/** Compares a raw driver value with the expected JS value for a field kind, independent of driver encoding. */
export function sameStored(kind: string, raw: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return raw === null || raw === undefined;
  if (raw === null || raw === undefined) return false;
  switch (kind) {
    case "boolean":
      return [true, 1, 1n, "1", "t", "true"].includes(raw as never) === expected;
    case "datetime": {
      const t = raw instanceof Date ? raw.getTime() : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(String(raw)) ? String(raw) : `${String(raw).replace(" ", "T")}Z`);
      return t === (expected as Date).getTime();
    }
    case "date":
      return (raw instanceof Date ? raw.toISOString().slice(0, 10) : String(raw).slice(0, 10)) === expected;
    case "json":
      try {
        expect(typeof raw === "string" ? JSON.parse(raw) : raw).toEqual(expected);
        return true;
      } catch {
        return false;
      }
    case "bigint":
      return BigInt(raw as string) === BigInt(expected as bigint);
    case "int":
    case "float":
      return Number(raw) === expected;
    case "decimal":
      return normalizeDecimal(String(raw)) === normalizeDecimal(String(expected));
    case "uuid":
      return String(raw).toLowerCase() === String(expected).toLowerCase();
    default:
      return raw === expected;
  }
}

function normalizeDecimal(text: string): string {
  const [whole = "0", fraction = ""] = text.replace(/^\+/, "").split(".");
  const w = whole.replace(/^(-?)0+(?=\d)/, "$1");
  const f = fraction.replace(/0+$/, "");
  return f ? `${w}.${f}` : w;
}
