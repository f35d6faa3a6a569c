import type { ListOperation, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { Params, columnList, compileFilter, tableReference } from "@dataflow/sql-core";
import type { VectorBackend, VectorQuery } from "@dataflow/vector-core";
import { DISTANCES, DISTANCE_COLUMN, SCORE_COLUMN, VectorCapabilityError, decodeScoredRows } from "@dataflow/vector-core";
import { encodeVector } from "./dialect.js";
import { ftsTable, matchQuery } from "./fts.js";

const float32 = encodeVector;

/**
 * sqlite-vec's distance functions over the stored vectors. The inner product has no function of
 * its own: -(a . q) = -(1 - cosine_distance) * |a| * |q|, with |a| the L2 distance to the zero vector.
 */
function distanceSql(column: string, q: VectorQuery, params: Params): string {
  const query = float32(q.vector);
  switch (q.distance) {
    case "cosine":
      return `vec_distance_cosine(${column}, ${params.add(query)})`;
    case "l2":
      return `vec_distance_l2(${column}, ${params.add(query)})`;
    case "ip": {
      const norm = Math.hypot(...q.vector);
      if (norm === 0) return "0.0";
      const zero = float32(new Array<number>(q.vector.length).fill(0));
      return `(-(1 - vec_distance_cosine(${column}, ${params.add(query)})) * vec_distance_l2(${column}, ${params.add(zero)}) * ${params.add(norm)})`;
    }
  }
}

/** sqlite-vec: exact search (every row the filter selects is measured); full text with FTS5. */
export const sqliteVecBackend: VectorBackend = {
  name: "@dataflow/vector-sqlite",
  distances: DISTANCES,

  async search(adapter, exec, op, fields, q) {
    const d = adapter.dialect;
    const params = new Params(d);
    const column = d.quote(q.field.name);
    const distance = distanceSql(column, q, params);
    const conditions = [`${column} IS NOT NULL`];
    if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
    const bound = q.maxDistance === undefined ? "" : ` WHERE ${d.quote(DISTANCE_COLUMN)} <= ${params.add(q.maxDistance)}`;
    const text =
      `SELECT * FROM (SELECT ${columnList(d, fields)}, ${distance} AS ${d.quote(DISTANCE_COLUMN)} FROM ${tableReference(d, op.model)} WHERE ${conditions.join(" AND ")})` +
      `${bound} ORDER BY ${d.quote(DISTANCE_COLUMN)} LIMIT ${params.add(q.k)}`;
    const { rows } = await exec.query(text, params.values);
    return decodeScoredRows(adapter, op, fields, rows, DISTANCE_COLUMN, "distance");
  },

  async textSearch(adapter, exec, op, fields, q) {
    if (adapter.capabilities.fullText !== true) {
      throw new VectorCapabilityError("This SQLite build has no FTS5, which HybridSearch needs", {
        fix: "Use a better-sqlite3 build with FTS5 (the default build has it)",
      });
    }
    const d = adapter.dialect;
    const fts = ftsTable(adapter, op.model, q.field);
    const { rows: present } = await exec.query("SELECT 1 FROM sqlite_master WHERE name = ?", [fts]);
    if (present.length === 0) {
      throw new VectorCapabilityError(`${op.model.name}.${q.field.name} has no full-text index`, {
        field: "textField",
        fix: `Declare it: vectorSqlite({ fullText: { ${op.model.name}: ["${q.field.name}"] } })`,
      });
    }
    const match = matchQuery(q.text);
    if (match === undefined) return [];
    const params = new Params(d);
    const ranked = `(SELECT doc_id AS "__df_doc", -bm25(${d.quote(fts)}) AS ${d.quote(SCORE_COLUMN)} FROM ${d.quote(fts)} WHERE ${d.quote(fts)} MATCH ${params.add(match)})`;
    const conditions = [`${d.quote(op.model.primaryKey.name)} = "__df_doc"`];
    if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
    const text =
      `SELECT ${columnList(d, fields)}, ${d.quote(SCORE_COLUMN)} FROM ${tableReference(d, op.model)}, ${ranked}` +
      ` WHERE ${conditions.join(" AND ")} ORDER BY ${d.quote(SCORE_COLUMN)} DESC, ${d.quote(op.model.primaryKey.name)} LIMIT ${params.add(q.limit)}`;
    const { rows } = await exec.query(text, params.values);
    return decodeScoredRows(adapter, op, fields, rows, SCORE_COLUMN, "textScore");
  },

  async createIndex(_adapter, _op, index) {
    throw new VectorCapabilityError(`sqlite-vec has no ${index.method} index on table columns; VectorSearch on SQLite is an exact scan`, {
      field: "method",
      fix: "Leave the index out on SQLite (searches stay exact), or use @dataflow/vector-pgvector for approximate indexes",
    });
  },
};
