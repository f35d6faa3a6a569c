import type { Model, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { Document } from "mongodb";
import { Decimal128, Long } from "mongodb";
import { toBson } from "../codec.js";
import { refuseOperators } from "../safety.js";

/**
 * Where a model's fields live in its documents. The primary key is `_id` (string ids verbatim,
 * auto-increment ids as numbers) on a server that stores any `_id`; on one that forces `_id` to an
 * ObjectId (the test emulator, `customIds: false`) it is an `id` field with a unique index.
 */
export class DocumentLayout {
  readonly idPath: "_id" | "id";

  constructor(customIds: boolean) {
    this.idPath = customIds ? "_id" : "id";
  }

  path = (field: ModelField): string => (field.primaryKey ? this.idPath : field.name);

  /** The model's field name for a document path (index key patterns in errors). */
  fieldName(path: string): string {
    return path === this.idPath ? "id" : path;
  }

  /** A validated row as a document: bigint -> Int64, decimal -> Decimal128; JSON values must not hold `$` keys. */
  encode(model: Model, row: RowData, path = "data"): Document {
    const doc: Document = {};
    for (const key of Object.keys(row)) {
      const f = model.field(key);
      if (!f) continue;
      const value = row[key];
      if (f.kind === "json" && value !== null && typeof value === "object") refuseOperators(value, `${path}.${key}`);
      doc[this.path(f)] = toBson(f, value);
    }
    return doc;
  }

  /** A stored document as a row of `fields`: missing fields read as null, BSON numbers as the field's JS type. */
  decode(fields: readonly ModelField[], doc: Document): RowData {
    const row: RowData = {};
    for (const f of fields) row[f.name] = fromBson(f, doc[this.path(f)]);
    return row;
  }
}

function fromBson(field: ModelField, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (field.kind) {
    case "bigint":
      if (typeof value === "bigint") return value;
      if (value instanceof Long) return value.toBigInt();
      return BigInt(Number(value));
    case "int":
    case "float":
      return typeof value === "number" ? value : Number(value);
    case "decimal":
      return value instanceof Decimal128 ? value.toString() : String(value);
    default:
      return value;
  }
}
