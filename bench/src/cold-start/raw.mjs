// Cold start of the raw driver: open the database file (the adapter's pragmas) and insert one row.
//   node src/cold-start/raw.mjs <file> <table>
import Database from "better-sqlite3";
import { report } from "./report.mjs";

const [file, table] = process.argv.slice(2);
const db = new Database(file);
db.pragma("busy_timeout = 5000");
db.pragma("foreign_keys = ON");
db.pragma("case_sensitive_like = ON");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const now = new Date().toISOString();
const insert = db.prepare(
  `INSERT INTO "${table}" ("name", "email", "tenant", "score", "active", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?) ` +
    `RETURNING "id", "name", "email", "tenant", "score", "active", "created_at", "updated_at"`,
);
report(insert.all("cold", "cold@example.com", 1, 2, 1, now, now)[0]);
db.close();
