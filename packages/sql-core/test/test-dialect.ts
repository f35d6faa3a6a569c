import type { Dialect } from "../src/index.js";

/** A minimal PostgreSQL-flavoured dialect for the compiler's pure-logic tests; each test file overrides what it pins. */
export function testDialect(overrides: Partial<Dialect> = {}): Dialect {
  return {
    name: "test",
    maxIdentifierLength: 63,
    maxBindParameters: 65535,
    returning: true,
    upsertStrategy: "precheck",
    forUpdate: "",
    nowExpression: "now()",
    createTableSuffix: "",
    quote: (id) => `"${id}"`,
    placeholder: (i) => `$${i}`,
    columnType: () => "TEXT",
    autoIncrementPrimaryKey: (c) => `${c} BIGSERIAL PRIMARY KEY`,
    defaultLiteral: () => undefined,
    encode: (_f, v) => v,
    decoder: () => undefined,
    like: (c, p, ci) => `${c} ${ci ? "ILIKE" : "LIKE"} ${p}`,
    regex: (c, p) => `${c} ~ ${p}`,
    jsonContains: (c, p) => `${c} @> ${p}`,
    encodeJsonElement: (v) => JSON.stringify([v]),
    limitOffset: (l, o) => `${l ? ` LIMIT ${l}` : ""}${o ? ` OFFSET ${o}` : ""}`,
    conflictClause: () => "",
    begin: () => ["BEGIN"],
    savepoint: (n) => `SAVEPOINT ${n}`,
    releaseSavepoint: (n) => `RELEASE ${n}`,
    rollbackToSavepoint: (n) => `ROLLBACK TO ${n}`,
    catalog: { columns: () => ({ text: "", params: [] }), indexes: () => ({ text: "", params: [] }) },
    ...overrides,
  };
}
