import { PluginError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, DialectCatalog } from "@dataflow/sql-core";
import type { StrategyName } from "./strategy.js";

/** A strategy's refusal of a database whose dialect lacks catalog parts it needs (it fails closed, never runs weaker). */
export class DialectRefusedError extends PluginError {
  constructor(
    strategy: StrategyName,
    databaseType: string,
    readonly missing: readonly string[],
    why: string,
  ) {
    super(`The ${strategy} tenancy strategy needs ${why}; the ${databaseType} dialect lacks ${missing.map((m) => `catalog.${m}`).join(", ")}`, {
      fix:
        strategy === "row"
          ? `Give the dialect's catalog columnCollation (or exactTextComparison: true when text always compares exactly)`
          : `Use tenancy({ strategy: "row" }) on ${databaseType}, or a dialect whose catalog has ${missing.join(", ")}`,
    });
  }
}

/** What each strategy needs of the dialect's catalog, by member name. */
const NEEDS = {
  schema: {
    members: ["createNamespace", "checkConstraintCount", "addRowFreeCheck", "ddlLock"],
    why: "a namespace per tenant (a PostgreSQL schema, a MySQL database), check constraints and a cross-process DDL lock",
  },
  rls: { members: ["rowSecurity", "ddlLock"], why: "row-level security in the database and a cross-process DDL lock" },
} as const satisfies Partial<Record<StrategyName, { members: readonly (keyof DialectCatalog)[]; why: string }>>;

/** The adapter's catalog with the parts `strategy` needs, or a `DialectRefusedError` naming the missing ones. */
export function requireCatalog(adapter: DatabaseAdapter, strategy: StrategyName): DialectCatalog {
  const catalog: Partial<DialectCatalog> = adapter.dialect.catalog ?? {};
  if (strategy === "row") {
    // The tenant column must compare exactly: read its collation, or the dialect vouches for exact text comparison.
    if (typeof catalog.columnCollation !== "function" && catalog.exactTextComparison !== true) {
      throw new DialectRefusedError(strategy, adapter.databaseType, ["columnCollation"], "to know that tenant ids compare exactly");
    }
  } else {
    const missing = NEEDS[strategy].members.filter((m) => catalog[m] === undefined);
    if (missing.length > 0) throw new DialectRefusedError(strategy, adapter.databaseType, missing, NEEDS[strategy].why);
  }
  if (typeof catalog.columns !== "function" || typeof catalog.indexes !== "function") {
    throw new DialectRefusedError(
      strategy,
      adapter.databaseType,
      ["columns", "indexes"].filter((m) => typeof catalog[m as "columns"] !== "function"),
      "to read the tables it prepares",
    );
  }
  return catalog as DialectCatalog;
}
