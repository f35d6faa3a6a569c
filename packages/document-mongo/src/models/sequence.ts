import type { Model } from "@dataflow/kernel/plugin";
import type { ClientSession } from "mongodb";
import type { ModelTarget } from "./target.js";

/** The collection holding one counter per auto-increment model: `{ collection, seq }`. */
export const SEQUENCES = "dataflow_sequences";

/** Reserves `n` ids of the model's sequence; returns the first. */
export async function nextIds(t: ModelTarget, model: Model, n: number, options: { session?: ClientSession }): Promise<number> {
  const doc = await t.run("findOneAndUpdate", SEQUENCES, undefined, (c) =>
    c.findOneAndUpdate({ collection: model.table }, { $inc: { seq: n } }, { ...options, upsert: true, returnDocument: "after" }),
  );
  return Number(doc!.seq) - n + 1;
}

/** After explicit ids, the sequence continues above the largest one. */
export async function raiseSequence(t: ModelTarget, model: Model, id: number, options: { session?: ClientSession }): Promise<void> {
  await t.run("updateOne", SEQUENCES, undefined, (c) => c.updateOne({ collection: model.table }, { $max: { seq: id } }, { ...options, upsert: true }));
}
