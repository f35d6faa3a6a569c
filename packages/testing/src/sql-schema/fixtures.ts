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
