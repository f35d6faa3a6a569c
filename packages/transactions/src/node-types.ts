/** The transaction node kinds and their type names (prefixed with the DataFlow's namespace, like model nodes). */
export const TRANSACTION_NODE_KINDS = ["Scope", "Commit", "Rollback", "Savepoint", "RollbackToSavepoint"] as const;

export type TransactionNodeKind = (typeof TRANSACTION_NODE_KINDS)[number];

export type TransactionNodeTypes = { readonly [K in TransactionNodeKind]: string };

/**
 * Node type names of the transaction nodes of a DataFlow: `TransactionScope`, ... or, when the
 * DataFlow has a namespace, `analytics.TransactionScope`, ...
 */
export function transactionNodeTypes(dataflow: { readonly namespace: string | undefined }): TransactionNodeTypes {
  const prefix = dataflow.namespace ? `${dataflow.namespace}.` : "";
  const out = {} as Record<TransactionNodeKind, string>;
  for (const kind of TRANSACTION_NODE_KINDS) out[kind] = `${prefix}Transaction${kind}`;
  return out;
}
