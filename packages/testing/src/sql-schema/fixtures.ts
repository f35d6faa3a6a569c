import { expect } from "vitest";

/** The SQL families the schema suite knows how to write plain DDL for. */
export type SqlFamily = "sqlite" | "postgresql" | "mysql";

/**
 * A hand-written schema, as a DBA would create it (prefix `p` keeps tests apart): `authors` with
 * every field kind, a unique index, comments and a CHECK/ENUM enum; `books` with a foreign key and
 * an index; a view over `authors`. The types are ones DataFlow reads back as the same kinds.
 */
export function plainSchema(family: SqlFamily, p: string, mysqlTableOptions = ""): string[] {
  switch (family) {
    case "postgresql":
      return [
        `CREATE TABLE ${p}authors (
          id SERIAL PRIMARY KEY,
          name VARCHAR(80) NOT NULL,
          email VARCHAR(120) NOT NULL,
          status VARCHAR(255) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
          score NUMERIC(10, 2) DEFAULT 0,
          active BOOLEAN NOT NULL DEFAULT true,
          born DATE, joined TIMESTAMPTZ, bio TEXT, meta JSONB, ext_id UUID)`,
        `COMMENT ON TABLE ${p}authors IS 'People who write'`,
        `COMMENT ON COLUMN ${p}authors.name IS 'Display name'`,
        `CREATE UNIQUE INDEX ux_${p}authors_email ON ${p}authors (email)`,
        `CREATE TABLE ${p}books (
          id SERIAL PRIMARY KEY,
          author_id INTEGER NOT NULL,
          title VARCHAR(200) NOT NULL,
          pages INTEGER,
          CONSTRAINT fk_${p}books_author_id FOREIGN KEY (author_id) REFERENCES ${p}authors (id) ON DELETE CASCADE ON UPDATE CASCADE)`,
        `CREATE INDEX ix_${p}books_title ON ${p}books (title)`,
        `CREATE VIEW ${p}author_names AS SELECT id, name FROM ${p}authors`,
        `CREATE TABLE ${p}odd (id SERIAL PRIMARY KEY, addr INET)`,
      ];
    case "mysql":
      return [
        `CREATE TABLE ${p}authors (
          id INT AUTO_INCREMENT PRIMARY KEY,
          name VARCHAR(80) NOT NULL COMMENT 'Display name',
          email VARCHAR(120) NOT NULL,
          status ENUM('active', 'retired') NOT NULL DEFAULT 'active',
          score DECIMAL(10, 2) DEFAULT 0,
          active TINYINT(1) NOT NULL DEFAULT 1,
          born DATE, joined DATETIME(6), bio LONGTEXT, meta JSON, ext_id CHAR(36),
          UNIQUE KEY ux_${p}authors_email (email)) COMMENT 'People who write'${mysqlTableOptions}`,
        `CREATE TABLE ${p}books (
          id INT AUTO_INCREMENT PRIMARY KEY,
          author_id INT NOT NULL,
          title VARCHAR(200) NOT NULL,
          pages INT,
          CONSTRAINT fk_${p}books_author_id FOREIGN KEY (author_id) REFERENCES ${p}authors (id) ON DELETE CASCADE ON UPDATE CASCADE)${mysqlTableOptions}`,
        `CREATE INDEX ix_${p}books_title ON ${p}books (title)`,
        `CREATE VIEW ${p}author_names AS SELECT id, name FROM ${p}authors`,
        `CREATE TABLE ${p}odd (id INT AUTO_INCREMENT PRIMARY KEY, addr BLOB)${mysqlTableOptions}`,
      ];
    case "sqlite":
      return [
        `CREATE TABLE ${p}authors (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          email TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
          score TEXT DEFAULT '0',
          active INTEGER NOT NULL DEFAULT 1,
          born TEXT, joined TEXT, bio TEXT, meta TEXT, ext_id TEXT) STRICT`,
        `CREATE UNIQUE INDEX ux_${p}authors_email ON ${p}authors (email)`,
        `CREATE TABLE ${p}books (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          author_id INTEGER NOT NULL REFERENCES ${p}authors (id) ON DELETE CASCADE ON UPDATE CASCADE,
          title TEXT NOT NULL,
          pages INTEGER) STRICT`,
        `CREATE INDEX ix_${p}books_title ON ${p}books (title)`,
        `CREATE VIEW ${p}author_names AS SELECT id, name FROM ${p}authors`,
        `CREATE TABLE ${p}odd (id INTEGER PRIMARY KEY, addr BLOB)`,
      ];
  }
}

/**
 * Tables keyed by columns not named `id`, as a DBA would write them: `orders` with an
 * auto-increment `order_no` and a unique `ref_code`; `accounts` with a uuid (MySQL: CHAR(36);
 * SQLite: TEXT) `account_id` supplied by the application; `order_lines`, whose foreign key points at
 * `orders.order_no`; and `memberships`, whose primary key is composite.
 */
export function keyedSchema(family: SqlFamily, p: string, mysqlTableOptions = ""): string[] {
  switch (family) {
    case "postgresql":
      return [
        `CREATE TABLE ${p}orders (order_no SERIAL PRIMARY KEY, customer VARCHAR(80) NOT NULL, total INTEGER NOT NULL DEFAULT 0, ref_code VARCHAR(20) NOT NULL)`,
        `CREATE UNIQUE INDEX ux_${p}orders_ref_code ON ${p}orders (ref_code)`,
        `CREATE TABLE ${p}accounts (account_id UUID PRIMARY KEY, owner VARCHAR(80) NOT NULL)`,
        `CREATE TABLE ${p}order_lines (line_id SERIAL PRIMARY KEY, order_no INTEGER NOT NULL, sku VARCHAR(40) NOT NULL,
          CONSTRAINT fk_${p}order_lines_order_no FOREIGN KEY (order_no) REFERENCES ${p}orders (order_no) ON DELETE CASCADE)`,
        `CREATE TABLE ${p}memberships (group_id INTEGER NOT NULL, user_id INTEGER NOT NULL, PRIMARY KEY (group_id, user_id))`,
      ];
    case "mysql":
      return [
        `CREATE TABLE ${p}orders (order_no INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(80) NOT NULL, total INT NOT NULL DEFAULT 0, ref_code VARCHAR(20) NOT NULL,
          UNIQUE KEY ux_${p}orders_ref_code (ref_code))${mysqlTableOptions}`,
        `CREATE TABLE ${p}accounts (account_id CHAR(36) PRIMARY KEY, owner VARCHAR(80) NOT NULL)${mysqlTableOptions}`,
        `CREATE TABLE ${p}order_lines (line_id INT AUTO_INCREMENT PRIMARY KEY, order_no INT NOT NULL, sku VARCHAR(40) NOT NULL,
          CONSTRAINT fk_${p}order_lines_order_no FOREIGN KEY (order_no) REFERENCES ${p}orders (order_no) ON DELETE CASCADE)${mysqlTableOptions}`,
        `CREATE TABLE ${p}memberships (group_id INT NOT NULL, user_id INT NOT NULL, PRIMARY KEY (group_id, user_id))${mysqlTableOptions}`,
      ];
    case "sqlite":
      return [
        `CREATE TABLE ${p}orders (order_no INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, ref_code TEXT NOT NULL)`,
        `CREATE UNIQUE INDEX ux_${p}orders_ref_code ON ${p}orders (ref_code)`,
        `CREATE TABLE ${p}accounts (account_id TEXT NOT NULL PRIMARY KEY, owner TEXT NOT NULL)`,
        `CREATE TABLE ${p}order_lines (line_id INTEGER PRIMARY KEY AUTOINCREMENT,
          order_no INTEGER NOT NULL REFERENCES ${p}orders (order_no) ON DELETE CASCADE, sku TEXT NOT NULL)`,
        `CREATE TABLE ${p}memberships (group_id INTEGER NOT NULL, user_id INTEGER NOT NULL, PRIMARY KEY (group_id, user_id))`,
      ];
  }
}

/** The kinds (and sizes) discovery must report for `authors`, per family. */
export function expectedAuthorColumns(family: SqlFamily): Record<string, Record<string, unknown>> {
  const enumStatus = { kind: "enum", enumValues: ["active", "retired"] };
  if (family === "sqlite") {
    return {
      id: { kind: "int", autoIncrement: true, nullable: false },
      name: { kind: "text", nullable: false },
      email: { kind: "text" },
      status: { ...enumStatus, nullable: false, default: { expression: "'active'", value: "active" } },
      score: { kind: "text", nullable: true, default: { expression: "'0'", value: "0" } },
      active: { kind: "int", default: { expression: "1", value: 1 } },
      born: { kind: "text" },
      joined: { kind: "text" },
      bio: { kind: "text" },
      meta: { kind: "text" },
      ext_id: { kind: "text" },
    };
  }
  return {
    id: { kind: "int", autoIncrement: true, nullable: false },
    name: { kind: "string", maxLength: 80, nullable: false, comment: "Display name" },
    email: { kind: "string", maxLength: 120 },
    status: { ...enumStatus, nullable: false, default: expect.objectContaining({ value: "active" }) },
    score: { kind: "decimal", precision: 10, scale: 2, nullable: true, default: expect.objectContaining({ value: 0 }) },
    active: { kind: "boolean", default: expect.objectContaining({ value: family === "mysql" ? 1 : true }) },
    born: { kind: "date" },
    joined: { kind: "datetime" },
    bio: { kind: "text" },
    meta: { kind: "json" },
    ext_id: { kind: "uuid" },
  };
}
