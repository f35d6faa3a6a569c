import type { DataFlow } from "@dataflow/kernel";
import { field } from "@dataflow/kernel";

/** One field of every type; `id` is a string. */
export function declareItem(db: DataFlow, table: string, options: { softDelete?: boolean } = {}) {
  return db.model(
    "Item",
    {
      id: field.string(),
      name: field.string({ maxLength: 100 }),
      note: field.text().optional(),
      qty: field.int().optional(),
      big: field.bigint().optional(),
      price: field.float().optional(),
      amount: field.decimal({ precision: 20, scale: 6 }).optional(),
      active: field.boolean().default(true),
      seen_at: field.datetime().optional(),
      day: field.date().optional(),
      meta: field.json().optional(),
      tags: field.json<string[]>().optional(),
      ref: field.uuid().optional(),
      status: field.enum(["new", "done"]).default("new"),
      email: field.string().unique().optional(),
    },
    { table, softDelete: options.softDelete ?? false },
  );
}

/** An auto-increment id model. */
export function declareCounter(db: DataFlow, table: string) {
  return db.model("Counter", { label: field.string(), n: field.int().default(0) }, { table });
}
