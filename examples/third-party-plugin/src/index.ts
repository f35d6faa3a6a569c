// A third-party adapter plugin, written only against DataFlow's published packages.
// "acme-sqlite:" URLs open SQLite through @dataflow/sql-sqlite's adapter, and every statement is
// recorded in an audit trail that a node of the plugin's own, Acme_AuditTrail, returns.
import type { AdapterOptions } from "@dataflow/kernel/plugin";
import { definePlugin, defineNode, nodeRef } from "@dataflow/kernel/plugin";
import type { QueryResult } from "@dataflow/sql-core";
import { sqlModelNodes } from "@dataflow/sql-core";
import { SqliteAdapter } from "@dataflow/sql-sqlite";

export interface AuditEntry {
  readonly at: Date;
  readonly statement: string;
  readonly parameters: number;
}

export class AuditedSqliteAdapter extends SqliteAdapter {
  readonly trail: AuditEntry[] = [];

  constructor(url: string, options: AdapterOptions) {
    super(url.replace(/^acme-sqlite:/, "sqlite:"), options);
  }

  override exec(text: string, params: readonly unknown[]): QueryResult {
    this.trail.push({ at: new Date(), statement: text, parameters: params.length });
    return super.exec(text, params);
  }
}

/** What the Acme_AuditTrail node returns. */
export interface AuditTrailOutput {
  readonly result: AuditEntry[];
  readonly count: number;
}
interface AuditTrailParams {
  readonly contains?: string;
}

/** The typed reference applications pass to `addNode` (the node itself is registered per DataFlow). */
export const AuditTrail = nodeRef<AuditTrailParams, AuditTrailOutput>()("Acme_AuditTrail");

const auditTrail = (adapter: AuditedSqliteAdapter) =>
  defineNode<AuditTrailParams, AuditTrailOutput, "Acme_AuditTrail">({
    type: "Acme_AuditTrail",
    description: "Statements this DataFlow ran, optionally only those containing a text",
    params: { contains: { type: "string" } },
    run: ({ contains }) => {
      const entries = contains === undefined ? adapter.trail : adapter.trail.filter((e) => e.statement.includes(contains));
      return { result: entries.map((e) => ({ ...e })), count: entries.length };
    },
  });

export const auditedSqlite = definePlugin({
  name: "@acme/dataflow-audited-sqlite",
  kernel: "^1",
  adapters: [{ schemes: ["acme-sqlite"], create: (url, options) => new AuditedSqliteAdapter(url, options) }],
  modelNodes: sqlModelNodes,
  nodes: (ctx) => [auditTrail(ctx.adapter as AuditedSqliteAdapter)],
});

export default auditedSqlite;
