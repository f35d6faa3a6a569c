import type {
  DiscoveredColumn,
  DiscoveredEnum,
  DiscoveredForeignKey,
  DiscoveredIndex,
  DiscoveredSchema,
  DiscoveredTable,
  ReferentialAction,
} from "@dataflow/kernel/plugin";
import { PluginError, REFERENTIAL_ACTIONS } from "@dataflow/kernel/plugin";
import type { CatalogDiscovery, CatalogQuery, ColumnKind, Dialect } from "./dialect.js";
import type { SqlExecutor } from "./driver.js";

type Row = Record<string, unknown>;

const truthy = (v: unknown) => v === true || v === 1 || v === 1n || v === "1" || v === "t" || v === "true";
const text = (v: unknown) => (v === null || v === undefined || v === "" ? undefined : String(v));

async function rows(exec: SqlExecutor, q: CatalogQuery | undefined): Promise<Row[]> {
  if (!q) return [];
  return (await exec.query(q.text, q.params)).rows;
}

function groupBy<T>(items: readonly Row[], key: (r: Row) => string, map: (group: Row[]) => T): Map<string, T> {
  const groups = new Map<string, Row[]>();
  for (const r of items) {
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return new Map([...groups].map(([k, g]) => [k, map(g)] as const));
}

const byPosition = (a: Row, b: Row) => Number(a.position) - Number(b.position);

function action(value: unknown): ReferentialAction {
  const v = String(value ?? "")
    .toLowerCase()
    .replace(/_/g, " ");
  return (REFERENTIAL_ACTIONS as readonly string[]).includes(v) ? (v as ReferentialAction) : "no action";
}

/** String literals of a `CHECK (col IN ('a', 'b'))` over one column (any dialect's spelling), by column. */
export function enumChecks(clause: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  // `"status" IN ('a','b')`, `` `status` in ('a','b') ``, `status IN ('a', 'b')`
  const inList = /[("`\s]*([A-Za-z_][\w]*)["`]?\s+IN\s*\(((?:\s*'(?:[^']|'')*'\s*,?)+)\)/gi;
  for (const m of clause.matchAll(inList)) out.set(m[1]!, literals(m[2]!));
  // PostgreSQL: `((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`
  const anyArray = /\(+"?([A-Za-z_][\w]*)"?\)?(?:::[\w ]+)?\s*=\s*ANY\s*\(\(?ARRAY\[((?:[^\]'])*(?:'(?:[^']|'')*'[^\]']*)+)\]/gi;
  for (const m of clause.matchAll(anyArray)) out.set(m[1]!, literals(m[2]!));
  return out;
}

function literals(list: string): string[] {
  return [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
}

/** Columns MariaDB keeps JSON in (LONGTEXT with a `json_valid` check). */
function jsonChecks(clause: string): Set<string> {
  return new Set([...clause.matchAll(/json_valid\(\s*[`"]?([A-Za-z_][\w]*)[`"]?\s*\)/gi)].map((m) => m[1]!));
}

function column(
  discovery: CatalogDiscovery,
  r: Row,
  enums: ReadonlyMap<string, readonly string[]>,
  checks: ReadonlyMap<string, readonly string[]>,
  json: boolean,
): DiscoveredColumn {
  const nativeType = String(r.type ?? "");
  const enumType = enums.get(nativeType) ?? enums.get(nativeType.replace(/^"|"$/g, ""));
  let kind: ColumnKind | undefined = enumType ? { kind: "enum", enumValues: enumType } : discovery.columnKind(nativeType);
  const checked = checks.get(String(r.name));
  if (checked && kind && (kind.kind === "string" || kind.kind === "text")) kind = { kind: "enum", enumValues: checked };
  if (json && kind?.kind === "text") kind = { kind: "json" };
  const expression = text(r.default_expr);
  const auto = truthy(r.auto);
  const value = expression === undefined ? undefined : discovery.defaultValue(expression);
  const isNull = expression !== undefined && /^null$/i.test(expression.trim());
  return {
    name: String(r.name),
    nativeType,
    kind: kind?.kind,
    nullable: truthy(r.nullable),
    autoIncrement: auto,
    default: expression === undefined || isNull || auto ? undefined : value === undefined ? { expression } : { expression, value },
    comment: text(r.comment),
    ...(kind?.maxLength !== undefined ? { maxLength: kind.maxLength } : {}),
    ...(kind?.precision !== undefined ? { precision: kind.precision } : {}),
    ...(kind?.scale !== undefined ? { scale: kind.scale } : {}),
    ...(kind?.enumValues !== undefined ? { enumValues: kind.enumValues } : {}),
    ...(kind?.dimensions !== undefined ? { dimensions: kind.dimensions } : {}),
  };
}

/** `db.discoverSchema()` for a SQL database: the dialect's catalog queries, assembled. */
export async function discoverSchema(d: Dialect, exec: SqlExecutor): Promise<DiscoveredSchema> {
  const discovery = d.catalog.discovery;
  if (!discovery) throw new PluginError(`The ${d.name} dialect cannot discover a database schema`);
  const relations = await rows(exec, discovery.relations);
  const columnRows = await rows(exec, discovery.columns);
  const pkRows = await rows(exec, discovery.primaryKeys);
  const fkRows = await rows(exec, discovery.foreignKeys);
  const indexRows = await rows(exec, discovery.indexes);
  const checkRows = await rows(exec, discovery.checks);
  const enumRows = await rows(exec, discovery.enums);

  const enumTypes = groupBy(
    enumRows,
    (r) => String(r.name),
    (g) => g.map((r) => String(r.value)),
  );
  const checksByTable = groupBy(
    checkRows,
    (r) => String(r.table_name),
    (g) => g.map((r) => String(r.clause ?? "")),
  );
  const pks = groupBy(
    pkRows,
    (r) => String(r.table_name),
    (g) => g.sort(byPosition).map((r) => String(r.column)),
  );
  const fks = groupBy(
    fkRows,
    (r) => String(r.table_name),
    (g) =>
      [
        ...groupBy(
          g,
          (r) => String(r.name),
          (k): DiscoveredForeignKey => {
            const sorted = k.sort(byPosition);
            return {
              name: String(sorted[0]!.name),
              columns: sorted.map((r) => String(r.column)),
              referencedTable: String(sorted[0]!.ref_table),
              referencedColumns: sorted.map((r) => String(r.ref_column)),
              onDelete: action(sorted[0]!.on_delete),
              onUpdate: action(sorted[0]!.on_update),
            };
          },
        ).values(),
      ].sort((a, b) => a.name.localeCompare(b.name)),
  );
  const indexes = groupBy(
    indexRows,
    (r) => String(r.table_name),
    (g) =>
      [
        ...groupBy(
          g,
          (r) => String(r.name),
          (k): DiscoveredIndex | undefined => {
            const sorted = k.sort(byPosition);
            // Expression indexes have no column list a model can declare.
            if (sorted.some((r) => r.column === null || r.column === undefined)) return undefined;
            return { name: String(sorted[0]!.name), columns: sorted.map((r) => String(r.column)), unique: truthy(sorted[0]!.unique) };
          },
        ).values(),
      ]
        .filter((ix): ix is DiscoveredIndex => ix !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name)),
  );
  const columnsByTable = groupBy(
    columnRows,
    (r) => String(r.table_name),
    (g) => g,
  );

  const tables: DiscoveredTable[] = relations
    .map((r): DiscoveredTable => {
      const name = String(r.name);
      const clauses = checksByTable.get(name) ?? [];
      const enumByColumn = new Map<string, string[]>();
      const json = new Set<string>();
      for (const clause of clauses) {
        for (const [c, values] of enumChecks(clause)) enumByColumn.set(c, values);
        for (const c of jsonChecks(clause)) json.add(c);
      }
      const tableIndexes = indexes.get(name) ?? [];
      return {
        name,
        kind: String(r.kind) === "view" ? "view" : "table",
        comment: text(r.comment),
        columns: (columnsByTable.get(name) ?? []).map((c) => column(discovery, c, enumTypes, enumByColumn, json.has(String(c.name)))),
        primaryKey: pks.get(name) ?? [],
        foreignKeys: fks.get(name) ?? [],
        uniques: tableIndexes.filter((ix) => ix.unique),
        indexes: tableIndexes,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const enums: DiscoveredEnum[] = [...enumTypes].map(([name, values]) => ({ name, values }));
  for (const t of tables) {
    for (const c of t.columns) {
      if (c.kind === "enum" && c.enumValues && /^enum\(/i.test(c.nativeType)) enums.push({ name: `${t.name}.${c.name}`, values: c.enumValues });
    }
  }
  return { database: d.name, tables, enums };
}

/**
 * A literal default as SQL catalogs spell it: `'draft'`, `'draft'::character varying`, `42`,
 * `(-1.5)`, `true`. Undefined for anything else (function calls, NULL, expressions).
 */
export function literalDefault(expression: string): string | number | boolean | undefined {
  let e = expression.trim();
  while (/^\(.*\)$/s.test(e)) e = e.slice(1, -1).trim();
  const quoted = /^'((?:[^']|'')*)'(?:::[\w ."[\]]+)?$/s.exec(e);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  const number = /^(-?\d+(?:\.\d+)?)(?:::[\w ]+)?$/.exec(e);
  if (number) return Number(number[1]);
  if (/^true$/i.test(e)) return true;
  if (/^false$/i.test(e)) return false;
  return undefined;
}

/** `VARCHAR(40)` -> `{ base: "VARCHAR", args: [40] }` (upper-case base, spaces collapsed). */
export function parseTypeName(nativeType: string): { base: string; args: number[] } {
  const m = /^\s*([A-Za-z][A-Za-z0-9_ ]*)\s*(?:\(\s*([\d\s,]*)\))?\s*([A-Za-z ]*)$/.exec(nativeType);
  if (!m) return { base: nativeType.trim().toUpperCase(), args: [] };
  const args = (m[2] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean)
    .map(Number);
  const base = `${m[1]!} ${m[3] ?? ""}`.trim().replace(/\s+/g, " ").toUpperCase();
  return { base, args };
}
