import type { ModelField } from "@dataflow/kernel/plugin";
import {
  ConnectionError,
  ConstraintViolationError,
  DatabaseError,
  DataFlow,
  ForeignKeyViolationError,
  NotNullViolationError,
  TimeoutError,
  TooManyConnectionsError,
  TransactionError,
  UniqueViolationError,
  ValidationError,
  field,
} from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import { countChunk } from "../src/bulk.js";
import { createMysqlDialect, formatDateTime, parseDateTime, quoteString } from "../src/dialect.js";
import { duplicateKeyName, mapMysqlError, redactMessage } from "../src/errors.js";
import { sessionSetup } from "../src/pool.js";
import { isNoPadCollation, parseServerVersion, serverFeatures } from "../src/server.js";
import mysqlPlugin from "../src/index.js";

const server = (versionText: string) => ({ ...parseServerVersion(versionText), versionText, maxAllowedPacket: 64 << 20 });
const mysql8 = createMysqlDialect(server("8.0.36"));
const mysql818 = createMysqlDialect(server("8.0.18"));
const mariadb = createMysqlDialect(server("10.11.19-MariaDB-0+deb12u1"));

const f = (kind: ModelField["kind"], extra: Partial<ModelField> = {}): ModelField => ({
  name: "c",
  kind,
  nullable: false,
  unique: false,
  index: false,
  default: undefined,
  maxLength: undefined,
  enumValues: undefined,
  dimensions: undefined,
  precision: undefined,
  scale: undefined,
  primaryKey: false,
  autoIncrement: false,
  system: false,
  ...extra,
});

describe("server flavor and version", () => {
  it("tells MariaDB from MySQL, including the 5.5.5- prefix some proxies add", () => {
    expect(parseServerVersion("10.11.19-MariaDB-0+deb12u1")).toEqual({ flavor: "mariadb", version: [10, 11, 19] });
    expect(parseServerVersion("5.5.5-10.6.12-MariaDB-log")).toEqual({ flavor: "mariadb", version: [10, 6, 12] });
    expect(parseServerVersion("8.4.2-commercial")).toEqual({ flavor: "mysql", version: [8, 4, 2] });
  });

  it("picks the features of each server", () => {
    expect(serverFeatures({ flavor: "mysql", version: [8, 0, 36] })).toEqual({
      insertRowAlias: true,
      regexpLike: true,
      textDefault: "expression",
      statementTimeout: "max_execution_time",
      exactCollation: "utf8mb4_0900_bin",
      insertReturning: false,
    });
    expect(serverFeatures({ flavor: "mysql", version: [8, 0, 18] }).insertRowAlias).toBe(false);
    expect(serverFeatures({ flavor: "mariadb", version: [10, 11, 19] })).toEqual({
      insertRowAlias: false,
      regexpLike: false,
      textDefault: "literal",
      statementTimeout: "max_statement_time",
      exactCollation: "utf8mb4_nopad_bin",
      insertReturning: true,
    });
    expect(serverFeatures({ flavor: "mariadb", version: [10, 4, 30] }).insertReturning).toBe(false);
  });

  it("sets up each session strict and in UTC, with the flavor's statement timeout", () => {
    expect(sessionSetup(mariadb.features, 1500)).toMatch(
      /^SET SESSION sql_mode = '[^']*STRICT_ALL_TABLES[^']*NO_AUTO_VALUE_ON_ZERO[^']*', time_zone = '\+00:00', max_statement_time = 1\.500$/,
    );
    expect(sessionSetup(mysql8.features, 1500)).toMatch(/max_execution_time = 1500$/);
    expect(sessionSetup(mysql8.features, undefined)).not.toMatch(/max_/);
    expect(sessionSetup(mysql8.features, undefined)).not.toMatch(/NO_BACKSLASH_ESCAPES|ANSI_QUOTES/);
  });
});

describe("MySQL dialect", () => {
  it("maps every field kind to a column type", () => {
    const types = Object.fromEntries(
      (["string", "text", "int", "bigint", "float", "decimal", "boolean", "datetime", "date", "json", "uuid", "enum"] as const).map((k) => [
        k,
        mysql8.columnType(f(k, k === "string" ? { maxLength: 80 } : k === "decimal" ? { precision: 20, scale: 6 } : k === "enum" ? { enumValues: ["a"] } : {})),
      ]),
    );
    expect(types).toEqual({
      string: "VARCHAR(80)",
      text: "LONGTEXT",
      int: "BIGINT",
      bigint: "BIGINT",
      float: "DOUBLE",
      decimal: "DECIMAL(20,6)",
      boolean: "TINYINT(1)",
      datetime: "DATETIME(6)",
      date: "DATE",
      json: "JSON",
      uuid: "CHAR(36)",
      enum: "VARCHAR(255)",
    });
    expect(mysql8.columnType(f("string", { maxLength: 20_000 }))).toBe("LONGTEXT");
    expect(mysql8.autoIncrementPrimaryKey("`id`")).toBe("`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY");
    // Binary NO PAD collations, so trailing spaces count (utf8mb4_bin is PAD SPACE on both servers).
    expect(mysql8.createTableSuffix).toBe(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin");
    expect(mariadb.createTableSuffix).toBe(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
    expect(serverFeatures(server("8.0.16")).exactCollation).toBeUndefined();
    expect(serverFeatures(server("8.0.17")).exactCollation).toBe("utf8mb4_0900_bin");
    expect(serverFeatures(server("10.1.48-MariaDB")).exactCollation).toBeUndefined();
    expect(isNoPadCollation("utf8mb4_nopad_bin") && isNoPadCollation("utf8mb4_0900_bin") && isNoPadCollation("utf8mb4_uca1400_nopad_ai_ci")).toBe(true);
    expect(isNoPadCollation("utf8mb4_bin") || isNoPadCollation("utf8mb4_general_ci") || isNoPadCollation("latin1_bin")).toBe(false);
  });

  it("quotes identifiers with backticks and escapes backslashes and quotes in literals", () => {
    expect(mysql8.quote("order")).toBe("`order`");
    expect(quoteString("a\\'b")).toBe("'a\\\\''b'");
    expect(mysql8.defaultLiteral(f("string"), "C:\\dir\\it's")).toBe("'C:\\\\dir\\\\it''s'");
    expect(mysql8.defaultLiteral(f("boolean"), true)).toBe("1");
    expect(mysql8.defaultLiteral(f("datetime"), new Date("2024-01-02T03:04:05.678Z"))).toBe("'2024-01-02 03:04:05.678'");
  });

  it("defaults on TEXT/JSON: a literal on MariaDB, an expression on MySQL >= 8.0.13", () => {
    expect(mariadb.defaultLiteral(f("json"), { a: 1 })).toBe(`'{"a":1}'`);
    expect(mysql8.defaultLiteral(f("json"), { a: 1 })).toBe(`('{"a":1}')`);
    expect(mysql8.defaultLiteral(f("text"), "x")).toBe("('x')");
    expect(createMysqlDialect(server("8.0.12")).defaultLiteral(f("text"), "x")).toBeUndefined();
  });

  it("ON DUPLICATE KEY: the row alias on MySQL >= 8.0.19, VALUES() elsewhere", () => {
    expect(mysql8.conflictClause(["email"], ["name"])).toBe("AS `df_new` ON DUPLICATE KEY UPDATE `name` = `df_new`.`name`");
    expect(mysql818.conflictClause(["email"], ["name"])).toBe("ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
    expect(mariadb.conflictClause(undefined, [])).toBe("ON DUPLICATE KEY UPDATE `id` = `id`");
  });

  it("case-sensitive regex on both flavors; LIMIT with OFFSET; transaction statements", () => {
    expect(mysql8.regex("`c`", "?")).toBe("REGEXP_LIKE(`c`, ?, 'c')");
    expect(mariadb.regex("`c`", "?")).toBe("`c` REGEXP CONCAT('(?-i)', ?)");
    expect(mysql8.limitOffset(undefined, "?")).toBe(" LIMIT 18446744073709551615 OFFSET ?");
    expect(mysql8.limitOffset("?", undefined)).toBe(" LIMIT ?");
    expect(mysql8.begin({ isolationLevel: "serializable", readOnly: true })).toEqual([
      "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
      "START TRANSACTION READ ONLY",
    ]);
    expect(mysql8.begin({})).toEqual(["START TRANSACTION"]);
  });

  it("casts DECIMAL and BIGINT parameters so comparisons are exact", () => {
    expect(mysql8.parameter!(f("decimal", { precision: 38, scale: 10 }), "?")).toBe("CAST(? AS DECIMAL(38,10))");
    expect(mysql8.parameter!(f("bigint"), "?")).toBe("CAST(? AS SIGNED)");
    expect(mysql8.parameter!(f("string"), "?")).toBe("?");
  });

  it("encodes and decodes values in UTC regardless of the process time zone", () => {
    const d = new Date("2024-03-10T07:30:00.123Z");
    expect(formatDateTime(d)).toBe("2024-03-10 07:30:00.123");
    expect(parseDateTime("2024-03-10 07:30:00.123456").toISOString()).toBe("2024-03-10T07:30:00.123Z");
    expect(parseDateTime("2024-03-10 07:30:00.5").toISOString()).toBe("2024-03-10T07:30:00.500Z");
    expect(parseDateTime("2024-03-10 07:30:00").toISOString()).toBe("2024-03-10T07:30:00.000Z");
    expect(parseDateTime("0001-01-01 00:00:00.000000").toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(parseDateTime("9999-12-31 23:59:59.999999").toISOString()).toBe("9999-12-31T23:59:59.999Z");
    expect(parseDateTime("2024-03-10 07:30:00.12").toISOString()).toBe("2024-03-10T07:30:00.120Z");
    expect(parseDateTime("0099-03-10 07:30:00.5").toISOString()).toBe("0099-03-10T07:30:00.500Z");
    const first = parseDateTime("2024-03-10 07:30:00.5");
    const again = parseDateTime("2024-03-10 07:30:00.5");
    expect(again).not.toBe(first);
    first.setTime(0);
    expect(parseDateTime("2024-03-10 07:30:00.5").toISOString()).toBe("2024-03-10T07:30:00.500Z");
    expect(mysql8.decoder(f("bigint"))!("9223372036854775807")).toBe(9223372036854775807n);
    expect(mysql8.decoder(f("decimal"))!("0010.500000")).toBe("10.5");
    expect(mysql8.decoder(f("boolean"))!(0)).toBe(false);
    expect(mysql8.decoder(f("json"))!('"text"')).toBe("text");
    expect(mysql8.decoder(f("uuid"))!("0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(mysql8.encode(f("boolean"), true)).toBe(1);
    expect(mysql8.encodeJsonElement("a")).toBe('"a"');
  });
});

describe("bulk counts from the server's affected rows and info line", () => {
  it("splits inserted, updated (changed or unchanged) and skipped rows exactly", () => {
    // 2 new, 1 changed, 1 unchanged: affected 2 + 2*1, Duplicates 1
    expect(countChunk("update", 4, { affectedRows: 4, info: "Records: 4  Duplicates: 1  Warnings: 0" })).toEqual({ inserted: 2, skipped: 0, updated: 2 });
    // all unchanged
    expect(countChunk("update", 3, { affectedRows: 0, info: "Records: 3  Duplicates: 0  Warnings: 0" })).toEqual({ inserted: 0, skipped: 0, updated: 3 });
    expect(countChunk("skip", 5, { affectedRows: 2, info: "Records: 5  Duplicates: 0  Warnings: 0" })).toEqual({ inserted: 2, skipped: 3, updated: 0 });
    // one-row statements carry no info line
    expect(countChunk("update", 1, { affectedRows: 0, info: "" })).toEqual({ inserted: 0, skipped: 0, updated: 1 });
    expect(countChunk("update", 1, { affectedRows: 2, info: "" })).toEqual({ inserted: 0, skipped: 0, updated: 1 });
    expect(countChunk("update", 1, { affectedRows: 1, info: "" })).toEqual({ inserted: 1, skipped: 0, updated: 0 });
    expect(() => countChunk("update", 2, { affectedRows: 2, info: "" })).toThrow(DatabaseError);
  });
});

describe("driver errors -> DataFlow errors, without values", () => {
  const db = new DataFlow({ url: "mysql://u@127.0.0.1:1/app", plugins: [mysqlPlugin] });
  const User = db.model("User", { email: field.string().unique(), name: field.string() });
  const ctx = { model: User, dialect: mysql8, flavor: "mysql" };
  const secret = "alice@example.com";

  it("reads the key name from the end of the message, whatever the value holds", () => {
    expect(duplicateKeyName("Duplicate entry 'x' for key 'ux_users_email'")).toBe("ux_users_email");
    expect(duplicateKeyName("Duplicate entry 'x' for key 'users.ux_users_email'")).toBe("ux_users_email");
    expect(duplicateKeyName("Duplicate entry 'a' for key 'PRIMARY'' for key 'ux_users_email'")).toBe("ux_users_email");
  });

  it("redacts values the server quotes without escaping", () => {
    expect(redactMessage(`Duplicate entry '${secret}' for key 'ux'`)).toBe("Duplicate entry '?' for key 'ux'");
    expect(redactMessage("Duplicate entry 'a'b\nc' for key 'ux'")).toBe("Duplicate entry '?' for key 'ux'");
    expect(redactMessage("Incorrect integer value: 'x' y' for column `db`.`t`.`c` at row 1")).toBe(
      "Incorrect integer value: '?' for column `db`.`t`.`c` at row 1",
    );
    expect(redactMessage("You have an error in your SQL syntax; check the manual near 'secret' value' at line 1")).toBe(
      "You have an error in your SQL syntax; check the manual near '?' at line 1",
    );
  });

  it("maps each error number to its class, naming fields", () => {
    const dup = mapMysqlError({ errno: 1062, code: "ER_DUP_ENTRY", sqlMessage: `Duplicate entry '${secret}' for key 'users.ux_users_email'` }, ctx);
    expect(dup).toBeInstanceOf(UniqueViolationError);
    expect((dup as UniqueViolationError).fields).toEqual(["email"]);
    expect(dup.message).not.toContain(secret);
    expect(String((dup.cause as Error).message)).not.toContain(secret);
    expect((mapMysqlError({ errno: 1062, sqlMessage: "Duplicate entry '1' for key 'PRIMARY'" }, ctx) as UniqueViolationError).fields).toEqual(["id"]);

    const cases: Array<[object, new (...a: never[]) => Error]> = [
      [{ errno: 1048, sqlMessage: "Column 'name' cannot be null" }, NotNullViolationError],
      [{ errno: 1364, sqlMessage: "Field 'name' doesn't have a default value" }, NotNullViolationError],
      [{ errno: 1451, sqlMessage: "Cannot delete or update a parent row" }, ForeignKeyViolationError],
      [{ errno: 1452, sqlMessage: "Cannot add or update a child row" }, ForeignKeyViolationError],
      [{ errno: 3819, sqlMessage: "Check constraint 'c' is violated." }, ConstraintViolationError],
      [{ errno: 4025, sqlMessage: "CONSTRAINT `users.status` failed for `db`.`users`" }, ConstraintViolationError],
      [{ errno: 1213, sqlMessage: "Deadlock found" }, TransactionError],
      [{ errno: 1205, sqlMessage: "Lock wait timeout exceeded" }, TransactionError],
      [{ errno: 1406, sqlMessage: "Data too long for column 'name' at row 1" }, ValidationError],
      [{ errno: 1264, sqlMessage: "Out of range value for column 'n' at row 1" }, ValidationError],
      [{ errno: 1366, sqlMessage: `Incorrect integer value: '${secret}' for column \`db\`.\`t\`.\`n\` at row 1` }, ValidationError],
      [{ errno: 1969, sqlMessage: "Query execution was interrupted (max_statement_time exceeded)" }, TimeoutError],
      [{ errno: 3024, sqlMessage: "maximum statement execution time exceeded" }, TimeoutError],
      [{ errno: 1040, sqlMessage: "Too many connections" }, TooManyConnectionsError],
      [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:3306" }, ConnectionError],
      [{ code: "PROTOCOL_CONNECTION_LOST", fatal: true, message: "Connection lost: The server closed the connection." }, ConnectionError],
      [{ code: "ECONNRESET", message: "read ECONNRESET" }, ConnectionError],
      [{ errno: 2006, sqlMessage: "MySQL server has gone away" }, ConnectionError],
      [{ errno: 2013, sqlMessage: "Lost connection to MySQL server during query" }, ConnectionError],
      [{ errno: 1927, sqlMessage: "Connection was killed" }, ConnectionError],
    ];
    for (const [error, kind] of cases) {
      const mapped = mapMysqlError(error, ctx);
      expect(mapped, JSON.stringify(error)).toBeInstanceOf(kind);
      expect(mapped.message).not.toContain(secret);
    }
    // The shared failure table (sql-core FAILURES): the same class and retryable as on PostgreSQL and SQLite.
    const retry: Array<[object, new (...a: never[]) => Error, boolean]> = [
      [{ errno: 1213 }, TransactionError, true],
      [{ errno: 1205 }, TransactionError, true],
      [{ errno: 1020, sqlMessage: "Record has changed since last read in table 't'" }, TransactionError, true],
      [{ errno: 1412, sqlMessage: "Table definition has changed, please retry transaction" }, TransactionError, true],
      [{ errno: 1927, sqlMessage: "Connection was killed" }, ConnectionError, true],
      [{ errno: 4031, sqlMessage: "The client was disconnected by the server because of inactivity" }, ConnectionError, true],
      [{ code: "PROTOCOL_CONNECTION_LOST", fatal: true, message: "Connection lost" }, ConnectionError, true],
      [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, ConnectionError, true],
      [{ errno: 1040, sqlMessage: "Too many connections" }, TooManyConnectionsError, true],
      [{ errno: 1045, sqlMessage: "Access denied for user" }, ConnectionError, false],
      [{ errno: 1049, sqlMessage: "Unknown database 'x'" }, ConnectionError, false],
      [{ errno: 1969, sqlMessage: "max_statement_time exceeded" }, TimeoutError, false],
    ];
    for (const [error, kind, retryable] of retry) {
      const mapped = mapMysqlError(error, ctx);
      expect(mapped, JSON.stringify(error)).toBeInstanceOf(kind);
      expect(mapped.retryable, JSON.stringify(error)).toBe(retryable);
    }
    expect(mapMysqlError({ errno: 1139, sqlMessage: "Got error 'x' from regexp" }, ctx)).toBeInstanceOf(ValidationError);
    expect(mapMysqlError({ errno: 1406, sqlMessage: "Data too long for column 'name' at row 1" }, ctx).field).toBe("name");
    expect(mapMysqlError({ errno: 1048, sqlMessage: "Column 'name' cannot be null" }, ctx).field).toBe("name");
  });

  it("unknown errors keep the server text but not its quoted values, nor passwords", () => {
    const e = mapMysqlError({ errno: 1064, code: "ER_PARSE_ERROR", sqlMessage: `near '${secret}' at line 1 mysql://root:pw123@h/db` }, ctx);
    expect(e).toBeInstanceOf(DatabaseError);
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain("pw123");
  });
});
