import type { Model, ModelField } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import { fitIdentifier } from "@dataflow/sql-core";

/** The FTS5 table that indexes one text field of a model. */
export function ftsTable(adapter: DatabaseAdapter, model: Model, field: ModelField): string {
  return fitIdentifier(`${model.table}_${field.name}_fts`, adapter.dialect.maxIdentifierLength);
}

/**
 * An FTS5 table holding a copy of the field's text and the row's primary key (`doc_id`), kept in
 * sync by triggers on the model's table. Keyed by the primary key rather than the rowid, which
 * VACUUM may renumber in tables without an integer primary key. Rows already in the table are
 * indexed when the FTS table is created.
 */
export async function createFullTextIndex(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, field: ModelField): Promise<void> {
  const q = adapter.dialect.quote;
  const fts = ftsTable(adapter, model, field);
  const { rows } = await exec.query("SELECT 1 FROM sqlite_master WHERE name = ?", [fts]);
  if (rows.length > 0) return;
  const table = q(model.table);
  const col = q(field.name);
  const pk = q(model.primaryKey.name);
  const trigger = (suffix: string) => q(fitIdentifier(`${fts}_${suffix}`, adapter.dialect.maxIdentifierLength));
  await exec.query(`CREATE VIRTUAL TABLE ${q(fts)} USING fts5(${col}, doc_id UNINDEXED)`, []);
  await exec.query(`INSERT INTO ${q(fts)} (${col}, doc_id) SELECT ${col}, ${pk} FROM ${table}`, []);
  await exec.query(
    `CREATE TRIGGER IF NOT EXISTS ${trigger("ai")} AFTER INSERT ON ${table} BEGIN INSERT INTO ${q(fts)} (${col}, doc_id) VALUES (new.${col}, new.${pk}); END`,
    [],
  );
  await exec.query(`CREATE TRIGGER IF NOT EXISTS ${trigger("ad")} AFTER DELETE ON ${table} BEGIN DELETE FROM ${q(fts)} WHERE doc_id = old.${pk}; END`, []);
  await exec.query(
    `CREATE TRIGGER IF NOT EXISTS ${trigger("au")} AFTER UPDATE OF ${col}, ${pk} ON ${table} BEGIN ` +
      `DELETE FROM ${q(fts)} WHERE doc_id = old.${pk}; INSERT INTO ${q(fts)} (${col}, doc_id) VALUES (new.${col}, new.${pk}); END`,
    [],
  );
}

/** The words of a free-text query as an FTS5 query that any of them may match (quoted: no FTS5 syntax reaches MATCH). */
export function matchQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return undefined;
  return [...new Set(words)].map((w) => `"${w}"`).join(" OR ");
}
