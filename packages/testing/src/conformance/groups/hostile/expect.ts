import { WorkflowExecutionError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { TestContext } from "../../harness.js";
import type { WorkerCaseArgs, WorkerCaseName } from "../../worker/cases.js";
import type { BoundedResult } from "../../worker/run.js";
import type { ErrorSummary } from "../../worker/protocol.js";

// Variants are checked with soft assertions: a failing test lists every variant that failed, not the first.

type ErrorClass = abstract new (...args: never[]) => Error;

/** `field` must equal a string, or match a pattern; `undefined`: not checked. */
export type FieldMatcher = string | RegExp | undefined;

/** Messages of hostile input are cut: far below the megabytes of input the cases send. */
export const MAX_MESSAGE_LENGTH = 16 * 1024;

function matchField(actual: unknown, field: FieldMatcher, what: string): void {
  if (field === undefined) return;
  if (typeof field === "string") expect.soft(actual, `${what}: error.field`).toBe(field);
  else expect.soft(typeof actual === "string" && field.test(actual), `${what}: error.field ${JSON.stringify(actual)} should match ${field}`).toBe(true);
}

/** A typed error whose `field` names the field, option or parameter. True when the class matched. */
export function expectTyped(error: unknown, kind: ErrorClass, field: FieldMatcher, what: string): boolean {
  const e = error as { name?: string; message?: string; field?: unknown } | undefined;
  const got = error === undefined ? "no error" : `${e?.name}: ${String(e?.message).slice(0, 300)}`;
  expect.soft(error, `${what}: expected ${kind.name}, got ${got}`).toBeInstanceOf(kind);
  if (!(error instanceof kind)) return false;
  matchField(e?.field, field, what);
  return true;
}

/** The typed error a one-node run fails with (unwrapped from WorkflowExecutionError); undefined when it succeeds. */
export async function causeOf(t: TestContext, type: string, params: Record<string, unknown>): Promise<unknown> {
  try {
    await t.run(type, params);
  } catch (error) {
    return error instanceof WorkflowExecutionError ? error.cause : error;
  }
  return undefined;
}

/** The node run is refused with `kind`, naming `field`. */
export async function refused(
  t: TestContext,
  type: string,
  params: Record<string, unknown>,
  kind: ErrorClass,
  field: FieldMatcher,
  what?: string,
): Promise<void> {
  expectTyped(await causeOf(t, type, params), kind, field, what ?? `${type} ${describeParams(params)}`);
}

function describeParams(params: unknown): string {
  try {
    const text = JSON.stringify(params, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return "(params)";
  }
}

/** The error a synchronous call throws (undefined when it returns). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The error carries a `fix` sentence. */
export function expectFix(error: unknown, what: string): void {
  const fix = (error as { fix?: unknown }).fix;
  expect.soft(typeof fix === "string" && /\S/.test(fix), `${what}: the error says how to fix it (error.fix)`).toBe(true);
}

/** An awaited call's rejection (undefined when it resolves). */
export async function rejectionOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Runs a bounded case; a case that exceeds the bound (or whose worker fails) is a soft failure and yields undefined. */
export async function bounded<K extends WorkerCaseName>(t: TestContext, kind: K, args: WorkerCaseArgs<K>, what: string): Promise<BoundedResult | undefined> {
  try {
    return await t.bounded(kind, args, what);
  } catch (error) {
    expect.soft(false, (error as Error).message).toBe(true);
    return undefined;
  }
}

/** A bounded-work case that failed with a typed error of `kind` (checked across threads by class name), with a short message. */
export function expectBoundedError(result: BoundedResult, kind: ErrorClass, what: string): ErrorSummary | undefined {
  const { outcome } = result;
  if (outcome.ok) {
    expect.soft(false, `${what}: expected ${kind.name}, but the case succeeded`).toBe(true);
    return undefined;
  }
  const error = outcome.error;
  expect.soft(error.kinds, `${what}: got ${error.kinds[0]}: ${error.message.slice(0, 300)}`).toContain(kind.name);
  expect
    .soft(error.messageLength, `${what}: the message is ${error.messageLength} characters long (input is cut in messages)`)
    .toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  return error;
}

/** The value of `work`, or undefined after a soft failure naming `what` when it throws. */
export async function softly<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    const cause = error instanceof WorkflowExecutionError ? error.cause : error;
    expect.soft(false, `${what}: ${(cause as Error)?.name}: ${String((cause as Error)?.message).slice(0, 300)}`).toBe(true);
    return undefined;
  }
}
