// The raw driver's cold-start phases, the counterpart of phases.mjs and the same work as raw.mjs
// (kept inline there so that raw.mjs loads no extra module): the process exits after phase STOP
// (0 node itself, 1 import better-sqlite3, 2 open the file with the adapter's pragmas, 3 the INSERT).
const stop = Number(process.env.STOP);
const [file, table] = process.argv.slice(2);
if (stop === 0) process.exit(0);
const Database = (await import("better-sqlite3")).default;
if (stop === 1) process.exit(0);
const db = new Database(file);
for (const p of ["busy_timeout = 5000", "foreign_keys = ON", "case_sensitive_like = ON", "journal_mode = WAL", "synchronous = NORMAL"]) db.pragma(p);
if (stop === 2) process.exit(0);
const now = new Date().toISOString();
db.prepare(
  `INSERT INTO "${table}" ("name", "email", "tenant", "score", "active", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?) ` +
    `RETURNING "id", "name", "email", "tenant", "score", "active", "created_at", "updated_at"`,
).all("cold", "cold@example.com", 1, 2, 1, now, now);
process.exit(0);
