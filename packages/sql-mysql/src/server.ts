/** What the adapter needs to know about the server it talks to, read once at connect. */
export interface ServerInfo {
  readonly flavor: "mysql" | "mariadb";
  /** [major, minor, patch] */
  readonly version: readonly [number, number, number];
  /** `VERSION()` as the server reports it. */
  readonly versionText: string;
  /** Largest packet (one statement) the server accepts, in bytes. */
  readonly maxAllowedPacket: number;
}

/** SQL features that differ between MySQL 8 and MariaDB 10.11, derived from the server version. */
export interface ServerFeatures {
  /** `INSERT ... VALUES (...) AS new ON DUPLICATE KEY UPDATE c = new.c` (MySQL >= 8.0.19); else `VALUES(c)`. */
  readonly insertRowAlias: boolean;
  /** `REGEXP_LIKE(col, pattern, 'c')` (MySQL 8, ICU); MariaDB uses PCRE `REGEXP` with `(?-i)`. */
  readonly regexpLike: boolean;
  /** DEFAULT on TEXT/JSON columns: MariaDB takes a literal, MySQL >= 8.0.13 an expression `('...')`. */
  readonly textDefault: "literal" | "expression" | "none";
  /** Session variable of the per-statement timeout. */
  readonly statementTimeout: "max_statement_time" | "max_execution_time";
  /**
   * The binary NO PAD collation of text columns, so `'a' <> 'a '` in filters, keys and unique
   * indexes (`utf8mb4_bin` is PAD SPACE): MariaDB `utf8mb4_nopad_bin` (10.2+), MySQL
   * `utf8mb4_0900_bin` (8.0.17+); undefined when the server has none.
   */
  readonly exactCollation: string | undefined;
  /** `INSERT ... RETURNING` (MariaDB 10.5+; MySQL has none): a Create reads its row back in the same statement. */
  readonly insertReturning: boolean;
}

function atLeast(version: readonly [number, number, number], major: number, minor: number, patch: number): boolean {
  const [a, b, c] = version;
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/** `8.0.36`, `8.4.0-commercial`, `10.11.19-MariaDB-0+deb12u1`, `5.5.5-10.11.6-MariaDB` -> flavor and version. */
export function parseServerVersion(text: string): { flavor: "mysql" | "mariadb"; version: [number, number, number] } {
  const mariadb = /mariadb/i.test(text);
  // MariaDB behind some proxies reports "5.5.5-" before its real version.
  const cleaned = mariadb ? text.replace(/^5\.5\.5-/, "") : text;
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(cleaned);
  const version: [number, number, number] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  return { flavor: mariadb ? "mariadb" : "mysql", version };
}

export function serverFeatures(server: Pick<ServerInfo, "flavor" | "version">): ServerFeatures {
  if (server.flavor === "mariadb") {
    return {
      insertRowAlias: false,
      regexpLike: false,
      textDefault: "literal",
      statementTimeout: "max_statement_time",
      exactCollation: atLeast(server.version, 10, 2, 0) ? "utf8mb4_nopad_bin" : undefined,
      insertReturning: atLeast(server.version, 10, 5, 0),
    };
  }
  return {
    insertRowAlias: atLeast(server.version, 8, 0, 19),
    regexpLike: atLeast(server.version, 8, 0, 4),
    textDefault: atLeast(server.version, 8, 0, 13) ? "expression" : "none",
    statementTimeout: "max_execution_time",
    exactCollation: atLeast(server.version, 8, 0, 17) ? "utf8mb4_0900_bin" : undefined,
    insertReturning: false,
  };
}

/** Before connecting: what the URL scheme suggests (MySQL 8.0.19+ for `mysql://`, MariaDB 10.11 for `mariadb://`). */
export function assumedServer(scheme: "mysql" | "mariadb"): ServerInfo {
  return scheme === "mariadb"
    ? { flavor: "mariadb", version: [10, 11, 0], versionText: "10.11.0-MariaDB (assumed)", maxAllowedPacket: 16 * 1024 * 1024 }
    : { flavor: "mysql", version: [8, 0, 19], versionText: "8.0.19 (assumed)", maxAllowedPacket: 16 * 1024 * 1024 };
}

/** True for a collation that compares trailing spaces (NO PAD): MariaDB `*_nopad_*`, MySQL `*_0900_*`, `binary`. */
export function isNoPadCollation(name: string): boolean {
  return /nopad|_0900_|^binary$/i.test(name);
}
