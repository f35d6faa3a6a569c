import { InvalidIdentifierError, ValidationError, assertIdentifier } from "@dataflow/kernel/plugin";

/** Savepoints DataFlow makes itself (`df_sp_N` in sql-core, `df_scope_N` here) use this prefix. */
const RESERVED_PREFIX = /^df_/i;

/** A savepoint name from node params: a plain identifier (then quoted by the dialect), never bound or spliced raw. */
export function checkSavepointName(name: unknown): string {
  try {
    assertIdentifier(name, "Savepoint name");
  } catch (error) {
    throw new InvalidIdentifierError((error as Error).message, { field: "name", cause: error });
  }
  if (RESERVED_PREFIX.test(name as string)) {
    throw new ValidationError("Savepoint names starting with 'df_' are reserved for DataFlow", { field: "name" });
  }
  return name as string;
}
