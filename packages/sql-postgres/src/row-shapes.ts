import pg from "pg";

type Parser = (text: string) => unknown;

/** The columns of one statement's result: names, types, parsers, and an empty row to copy per row. */
interface RowShape {
  readonly names: readonly string[];
  readonly types: readonly number[];
  readonly parsers: readonly Parser[];
  /** Every column set to null, in column order: `{ ...template }` gives each row the same hidden class. */
  readonly template: Record<string, unknown>;
}

/** What pg sends in a RowDescription (pg-protocol's `Field`). */
interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format: string;
}

/** The parts of pg's `Result` and `Query` this subclass uses (not in @types/pg). */
interface PgResultInternals {
  fields: FieldDescription[];
  rows: Record<string, unknown>[];
  _types: { getTypeParser(oid: number, format: string): Parser };
}
interface PgQueryInternals {
  _result: PgResultInternals;
  _canceledDueToError: unknown;
  _checkForMultirow(): void;
}

/**
 * Row shapes by statement text, for one adapter (whose clients all carry the same type parsers).
 * Bounded: past `max` texts the cache starts over, and a text longer than `maxTextLength` (a long
 * IN list) is not kept, its shape made per result.
 */
export class RowShapes {
  private readonly shapes = new Map<string, RowShape>();
  constructor(
    private readonly max = 2000,
    private readonly maxTextLength = 8192,
  ) {}

  /** The shape of `text`'s result as `fields` describe it, reused while the description matches. */
  shapeOf(text: string, fields: readonly FieldDescription[], result: PgResultInternals): RowShape | undefined {
    if (text.length > this.maxTextLength) return makeShape(fields, result);
    const known = this.shapes.get(text);
    if (known !== undefined && describes(known, fields)) return known;
    const made = makeShape(fields, result);
    if (made === undefined) return undefined;
    if (this.shapes.size >= this.max) this.shapes.clear();
    this.shapes.set(text, made);
    return made;
  }
}

function describes(shape: RowShape, fields: readonly FieldDescription[]): boolean {
  const n = fields.length;
  if (shape.names.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const f = fields[i]!;
    if (f.dataTypeID !== shape.types[i] || f.format !== "text" || f.name !== shape.names[i]) return false;
  }
  return true;
}

/** The shape of text-format columns; undefined when a column is binary (pg's own path handles those). */
function makeShape(fields: readonly FieldDescription[], result: PgResultInternals): RowShape | undefined {
  const empty: Record<string, unknown> = Object.create(null);
  for (const f of fields) {
    if (f.format !== "text") return undefined;
    empty[f.name] = null;
  }
  return {
    names: fields.map((f) => f.name),
    types: fields.map((f) => f.dataTypeID),
    parsers: fields.map((f) => result._types.getTypeParser(f.dataTypeID, "text")),
    // A spread of a null-prototype object defines own properties, so a column named `__proto__` stays a column.
    template: { ...empty },
  };
}

/**
 * A `pg.Query` whose rows are built from a shape kept per statement text. pg's own `Result.addFields`
 * rebuilds the empty row from a null-prototype object on every result (a spread of a dictionary-mode
 * object, several µs per statement) and asks for every column's parser again; the rows it makes are
 * the same: own properties in column order, duplicate names keeping the last value, NULL as null,
 * each value through the client's type parser. Used for callback queries only: no 'row' events.
 */
export class ShapedQuery extends pg.Query {
  readonly #text: string;
  readonly #shapes: RowShapes;
  #shape: RowShape | undefined;

  /** `name`: the server-side prepared statement to run it as (undefined: unnamed). */
  constructor(text: string, values: unknown[], callback: (error: Error | undefined, res: unknown) => void, shapes: RowShapes, name: string | undefined) {
    super(text, values, callback);
    if (name !== undefined) (this as unknown as { name: string }).name = name;
    this.#text = text;
    this.#shapes = shapes;
  }

  handleRowDescription(msg: { fields: FieldDescription[] }): void {
    const self = this as unknown as PgQueryInternals;
    self._checkForMultirow();
    const result = self._result;
    this.#shape = this.#shapes.shapeOf(this.#text, msg.fields, result);
    if (this.#shape === undefined) {
      (pg.Query.prototype as unknown as { handleRowDescription(msg: unknown): void }).handleRowDescription.call(this, msg);
      return;
    }
    result.fields = msg.fields;
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const shape = this.#shape;
    if (shape === undefined) {
      (pg.Query.prototype as unknown as { handleDataRow(msg: unknown): void }).handleDataRow.call(this, msg);
      return;
    }
    const self = this as unknown as PgQueryInternals;
    if (self._canceledDueToError) return;
    const values = msg.fields;
    const { names, parsers } = shape;
    const row = { ...shape.template };
    try {
      for (let i = 0; i < values.length; i++) {
        const raw = values[i];
        row[names[i]!] = raw === null ? null : parsers[i]!(raw!);
      }
    } catch (error) {
      self._canceledDueToError = error;
      return;
    }
    self._result.rows.push(row);
  }
}
