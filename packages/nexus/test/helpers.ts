import { DataFlow } from "@dataflow/kernel";
import type { TestDatabase } from "@dataflow/testing";
import { useTestDatabase } from "@dataflow/testing";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NexusOptions } from "../src/index.js";
import { Nexus } from "../src/index.js";
// @ts-expect-error plain JS fixture shared with child processes
import { appDataFlow } from "./fixtures/models.mjs";

export interface Backend {
  readonly name: string;
  readonly url: string;
  dispose(): Promise<void>;
}

/** A fresh SQLite file (child processes can open it too). */
export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "nexus-"));
  return { name: "sqlite", url: `sqlite://${join(dir, "app.db")}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A SQLite file whose `users` table has drifted from the fixture's User model: it has a required
 * column `legacy` (NOT NULL, no default) the model lacks, so DataFlow refuses it with a SchemaDriftError.
 */
export async function driftedBackend(): Promise<Backend> {
  const backend = sqliteBackend();
  const raw = new DataFlow({ url: backend.url });
  await raw.sql`CREATE TABLE users (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, legacy TEXT NOT NULL)`;
  await raw.close();
  return backend;
}

export async function postgresBackend(): Promise<Backend | string> {
  const res = await useTestDatabase("postgres");
  if (!res.ok) return res.reason;
  const db: TestDatabase = res.db;
  return { name: "postgres", url: db.url, dispose: () => db.dispose() };
}

export function makeDataFlow(url: string, namespace?: string): DataFlow {
  return appDataFlow(url, namespace) as DataFlow;
}

export async function startNexus(url: string, options: NexusOptions = {}): Promise<{ nexus: Nexus; db: DataFlow; base: string }> {
  const db = makeDataFlow(url);
  const nexus = new Nexus(db.getWorkflows(), { port: 0, ...options });
  const base = await nexus.start();
  return { nexus, db, base };
}

export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}
