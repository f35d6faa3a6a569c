import { DataFlowError } from "@dataflow/kernel/plugin";

/** A migration that cannot be generated, applied or reverted as asked; the message says what to do. */
export class MigrationError extends DataFlowError {
  override readonly code: string = "MIGRATION_ERROR";
}

/** A plan with destructive steps, generated without `--allow-destructive`. */
export class DestructiveChangeError extends MigrationError {
  override readonly code: string = "DESTRUCTIVE_CHANGE";
}
