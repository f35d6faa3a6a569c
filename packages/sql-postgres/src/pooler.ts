import { connect } from "node:net";
import { ValidationError } from "@dataflow/kernel/plugin";

/**
 * The connection pooler between the adapter and PostgreSQL, as the user declares it
 * (`?pgbouncer=transaction` in the URL, or `pgbouncer: "transaction"` in the adapter options):
 * - `none`: a direct connection; every feature on.
 * - `session`: PgBouncer in session pooling mode. Startup parameters PgBouncer refuses are not
 *   sent, and cancellation uses the protocol's cancel request (PgBouncer hands out its own
 *   backend keys, so a server pid is unknown).
 * - `transaction`: PgBouncer in transaction pooling mode: as `session`, and statements run
 *   unnamed (a server-side prepared statement lives on one server connection, which the next
 *   transaction may not get).
 */
export type PoolerMode = "none" | "session" | "transaction";

const MODES: readonly PoolerMode[] = ["none", "session", "transaction"];

/** What a pooler mode turns off in the adapter. */
export interface PoolerFeatures {
  readonly mode: PoolerMode;
  /** Server-side prepared statements, named by `StatementNames`. */
  readonly namedStatements: boolean;
  /** Session settings sent in the startup packet (`options`, `statement_timeout`, ...). */
  readonly startupSettings: boolean;
  /** Cancellation by `pg_cancel_backend(pid)` from another connection (else the protocol's cancel request). */
  readonly cancelByPid: boolean;
}

/** URL parameters `pg` sends as startup parameters, which PgBouncer refuses ("unsupported startup parameter"). */
const STARTUP_PARAMS = ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "options"] as const;

function parseMode(raw: string, field: string): PoolerMode {
  if ((MODES as readonly string[]).includes(raw)) return raw as PoolerMode;
  throw new ValidationError(`The PostgreSQL setting '${field}' must be one of ${MODES.join(", ")}`, {
    field,
    fix: "Write ?pgbouncer=transaction when PgBouncer runs with pool_mode = transaction, ?pgbouncer=session for pool_mode = session",
  });
}

/** The mode from the adapter option (wins) or the URL parameter `pgbouncer`. */
export function resolvePoolerMode(fromUrl: string | undefined, fromOption: string | undefined): PoolerMode {
  if (fromOption !== undefined) return parseMode(fromOption, "pgbouncer");
  if (fromUrl !== undefined) return parseMode(fromUrl, "url.pgbouncer");
  return "none";
}

export function poolerFeatures(mode: PoolerMode): PoolerFeatures {
  return {
    mode,
    namedStatements: mode !== "transaction",
    startupSettings: mode === "none",
    cancelByPid: mode === "none",
  };
}

/** A setting the user gave: its name as PostgreSQL knows it, and the field that names where it was given. */
export interface GivenSetting {
  readonly name: string;
  readonly field: string;
}

/**
 * Refuses, at construction, the settings a pooler would refuse at every connect (or, with
 * `ignore_startup_parameters`, silently drop): each names where to set it instead.
 */
export function checkPoolerSettings(features: PoolerFeatures, given: Iterable<GivenSetting>): void {
  if (features.startupSettings) return;
  for (const { name, field } of given) {
    if ((STARTUP_PARAMS as readonly string[]).includes(name)) {
      throw new ValidationError(`'${name}' is sent at connect, which PgBouncer (pgbouncer=${features.mode}) refuses`, {
        field,
        fix: `Set it on the server for the role or database (ALTER ROLE app SET ${name === "options" ? "<setting>" : name} = ...)${name === "statement_timeout" ? ", or use PgBouncer's query_timeout" : ""}`,
      });
    }
  }
}

/** The parts of a pg client a protocol cancel request needs; typed in pg but not all in @types/pg. */
export interface CancelTarget {
  readonly host?: string;
  readonly port?: number;
  readonly processID?: number | null;
  readonly secretKey?: number | null;
}

const CANCEL_REQUEST_CODE = 80877102;

/**
 * Sends the protocol's CancelRequest for the connection `target` (its backend key as the server,
 * or PgBouncer, gave it at connect) on a new socket. PgBouncer forwards it to the server
 * connection the client is linked to right now, and drops it when there is none. Never throws.
 */
export function sendCancelRequest(target: CancelTarget): Promise<void> {
  const { host = "localhost", port = 5432, processID, secretKey } = target;
  if (processID == null || secretKey == null) return Promise.resolve();
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  return new Promise((resolve) => {
    const socket = host.startsWith("/") ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(5000, done);
    socket.once("error", done);
    socket.once("close", done);
    // The server answers a cancel request by closing the connection; closing first is what libpq
    // never does, and PgBouncer 1.18 aborts ("bad client state") when its client leaves mid-cancel.
    socket.once("connect", () => socket.write(packet));
  });
}
