// A database as a DBA would create it, with plain SQL through the drivers and no DataFlow at all:
// two tables joined by a foreign key, a unique constraint, an index, a view, and comments where the
// database keeps them. Drops what an earlier run created first, so the walkthrough can repeat.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const TABLES = ["books", "authors"];

function sqlFor(kind: "sqlite" | "postgres" | "mysql"): string[] {
  switch (kind) {
    case "sqlite":
      return [
        "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)",
        "CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title TEXT NOT NULL, pages INTEGER)",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
      ];
    case "postgres":
      return [
        "CREATE TABLE authors (id SERIAL PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120) NOT NULL, CONSTRAINT ux_authors_email UNIQUE (email))",
        "COMMENT ON TABLE authors IS 'People who write'",
        "COMMENT ON COLUMN authors.name IS 'Display name'",
        "CREATE TABLE books (id SERIAL PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title VARCHAR(200) NOT NULL, pages INTEGER)",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
      ];
    case "mysql":
      // DataFlow compares strings exactly, so it refuses PAD SPACE collations ('a' = 'a '): use a binary NO PAD one.
      return [
        "CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(80) NOT NULL COMMENT 'Display name', email VARCHAR(120) NOT NULL, CONSTRAINT ux_authors_email UNIQUE (email)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin COMMENT 'People who write'",
        "CREATE TABLE books (id INT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(200) NOT NULL, pages INT, CONSTRAINT fk_books_author_id FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
      ];
  }
}

/** Drops this example's view, tables and migration history (if any), then creates the schema. */
export async function createDatabase(url: string): Promise<void> {
  const drops = ["DROP VIEW IF EXISTS author_names", ...TABLES.map((t) => `DROP TABLE IF EXISTS ${t}`), "DROP TABLE IF EXISTS dataflow_migrations"];
  if (url.startsWith("sqlite:")) {
    const { sqliteFilename } = await import("@dataflow/sql-sqlite");
    const file = sqliteFilename(url);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file);
    try {
      for (const sql of sqlFor("sqlite")) db.exec(sql);
    } finally {
      db.close();
    }
  } else if (/^postgres(ql)?:/.test(url)) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of [...drops, ...sqlFor("postgres")]) await client.query(sql);
    } finally {
      await client.end();
    }
  } else if (/^(mysql|mariadb):/.test(url)) {
    const { createConnection } = await import("mysql2/promise");
    const conn = await createConnection(url.replace(/^mariadb:/, "mysql:"));
    try {
      for (const sql of [...drops, ...sqlFor("mysql")]) await conn.query(sql);
    } finally {
      await conn.end();
    }
  } else {
    throw new Error(`DATABASE_URL must start with sqlite:, postgresql: or mysql:, not '${url.split(":")[0]}:'`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL ?? "sqlite:shop.db";
  await createDatabase(url);
  console.log(`created authors, books and the author_names view in ${url.replace(/\/\/[^@/]*@/, "//***@")}`);
}
