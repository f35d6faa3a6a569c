import type { DiscoveredSchema } from "./discovered.js";
import type { PlannedField, PlannedModel } from "./schema-plan.js";
import { planModels } from "./schema-plan.js";

export interface RenderModelsOptions {
  /** Only these tables and views (default: all). */
  readonly tables?: readonly string[];
  /** Where `field` and `DataFlow` come from (default `"@dataflow/kernel"`). */
  readonly importFrom?: string;
  /** Name of the exported function that declares the models (default `"defineModels"`). */
  readonly functionName?: string;
  /**
   * Declare every model `{ existing: true }` (no DDL ever; the database stays the source of truth).
   * Default false: the models are ordinary ones, and the database already matches them.
   */
  readonly existing?: boolean;
}

function jsdoc(text: string | undefined, indent: string, extra: readonly string[] = []): string {
  const lines = [...(text ? text.split(/\r?\n/) : []), ...extra].map((l) => l.replace(/\*\//g, "*\\/"));
  if (lines.length === 0) return "";
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`;
}

const str = (value: string) => JSON.stringify(value);

function fieldCall(f: PlannedField, modelOf: (table: string) => string | undefined): string {
  let call: string;
  switch (f.kind) {
    case "string":
      call = f.maxLength === undefined || f.maxLength === 255 ? "field.string()" : `field.string({ maxLength: ${f.maxLength} })`;
      break;
    case "decimal":
      call = f.precision === undefined ? "field.decimal()" : `field.decimal({ precision: ${f.precision}, scale: ${f.scale ?? 0} })`;
      break;
    case "enum":
      call = `field.enum([${(f.enumValues ?? []).map(str).join(", ")}])`;
      break;
    case "vector":
      call = `field.vector(${f.dimensions ?? 0})`;
      break;
    default:
      call = `field.${f.kind}()`;
  }
  if (f.optional) call += ".optional()";
  if (f.default !== undefined) call += `.default(${typeof f.default === "string" ? str(f.default) : String(f.default)})`;
  if (f.unique) call += ".unique()";
  if (f.index) call += ".index()";
  const ref = f.references;
  const target = ref ? modelOf(ref.table) : undefined;
  if (ref && target) {
    const actions = [
      ...(ref.onDelete !== "no action" ? [`onDelete: ${str(ref.onDelete)}`] : []),
      ...(ref.onUpdate !== "no action" ? [`onUpdate: ${str(ref.onUpdate)}`] : []),
    ];
    call += `.references((): ReferenceTarget => ${target}${actions.length ? `, { ${actions.join(", ")} }` : ""})`;
  }
  return call;
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : str(name);
}

function renderModel(m: PlannedModel, modelOf: (table: string) => string | undefined, existing: boolean): string {
  const lines: string[] = [];
  const all = m.id ? [m.id, ...m.fields] : m.fields;
  for (const f of all) {
    const extra = f.databaseDefault !== undefined ? [`Database default: ${f.databaseDefault}`] : [];
    lines.push(`${jsdoc(f.comment, "      ", extra)}      ${key(f.name)}: ${fieldCall(f, modelOf)},`);
  }
  const options = [`table: ${str(m.table)}`];
  if (m.key !== "id") options.push(`primaryKey: ${str(m.key)}`);
  if (!m.timestamps) options.push("timestamps: false");
  if (m.softDelete) options.push("softDelete: true");
  if (existing) options.push("existing: true");
  if (m.view) options.push("readOnly: true");
  if (m.indexes.length > 0) {
    const specs = m.indexes.map((ix) => `{ name: ${str(ix.name ?? "")}, fields: [${ix.fields.map(str).join(", ")}]${ix.unique ? ", unique: true" : ""} }`);
    options.push(`indexes: [${specs.join(", ")}]`);
  }
  const doc = jsdoc(m.comment, "  ", [...(m.view ? ["A database view: read-only."] : []), ...m.notes.map((n) => `Note: ${n}.`)]);
  const body = lines.length > 0 ? `{\n${lines.join("\n")}\n    }` : "{}";
  return `${doc}  const ${m.name} = db.model(\n    ${str(m.name)},\n    ${body},\n    { ${options.join(", ")} },\n  );\n`;
}

/**
 * A TypeScript module declaring a model for every table and view of a discovered schema (or those
 * named in `options.tables`): `export function defineModels(db)`, which declares them on `db` and
 * returns them by name. Table and column names are kept; comments become JSDoc; single-column
 * foreign keys to a primary key become `references`. Pure: the same schema gives the same text. Throws,
 * naming `table.column`, for a column no field kind reads (see `registerSchemaAsModels`).
 */
export function renderModelsModule(schema: DiscoveredSchema, options: RenderModelsOptions = {}): string {
  const plans = planModels(schema, options.tables === undefined ? {} : { tables: options.tables });
  const names = new Map(plans.map((p) => [p.table, p.name] as const));
  const from = options.importFrom ?? "@dataflow/kernel";
  const fn = options.functionName ?? "defineModels";
  const existing = options.existing === true;
  const head = [
    `// Generated by renderModelsModule from a ${schema.database} database schema. Edit freely: it is your code now.`,
    `import type { DataFlow, ReferenceTarget } from ${str(from)};`,
    `import { field } from ${str(from)};`,
    "",
  ];
  const usesRefs = plans.some((p) => [...p.fields, ...(p.id ? [p.id] : [])].some((f) => f.references && names.has(f.references.table)));
  if (!usesRefs) head[1] = `import type { DataFlow } from ${str(from)};`;
  const body = plans.map((p) => renderModel(p, (t) => names.get(t), existing)).join("\n");
  const ret = `  return { ${plans.map((p) => p.name).join(", ")} };\n`;
  return `${head.join("\n")}\n/** Declares the models of the ${schema.database} database on \`db\`. */\nexport function ${fn}(db: DataFlow) {\n${body}${plans.length ? "\n" : ""}${ret}}\n`;
}
