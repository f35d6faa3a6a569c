import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MigrationError } from "./errors.js";
import type { SchemaState } from "./state.js";

/** One migration folder: `<id>/up.sql`, optional `down.sql`, and `snapshot.json` (the schema after it). */
export interface MigrationFile {
  /** `YYYYMMDDHHMMSS_name`; ids sort in apply order. */
  readonly id: string;
  readonly dir: string;
  readonly up: string;
  readonly down: string | undefined;
  /** SHA-256 of `up.sql` (line endings normalized to \n), hex. */
  readonly checksum: string;
  readonly snapshot: SchemaState | undefined;
}

export const ID_PATTERN = /^(\d{14})_([a-z0-9_]{1,80})$/;

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** The migrations folder. Folders not named like a migration id are ignored. */
export class MigrationDirectory {
  constructor(readonly path: string) {}

  list(): MigrationFile[] {
    if (!existsSync(this.path)) return [];
    const ids = readdirSync(this.path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && ID_PATTERN.test(e.name))
      .map((e) => e.name)
      .sort();
    return ids.map((id) => this.read(id));
  }

  read(id: string): MigrationFile {
    const dir = join(this.path, id);
    const up = readOptional(join(dir, "up.sql"));
    if (up === undefined) {
      throw new MigrationError(`Migration ${id} has no up.sql`, { fix: `Restore ${join(dir, "up.sql")} from version control, or remove the folder ${dir}` });
    }
    const snapshotText = readOptional(join(dir, "snapshot.json"));
    let snapshot: SchemaState | undefined;
    if (snapshotText !== undefined) {
      try {
        snapshot = JSON.parse(snapshotText) as SchemaState;
      } catch (error) {
        throw new MigrationError(`${join(dir, "snapshot.json")} is not valid JSON`, { cause: error, fix: "Restore it from version control" });
      }
    }
    return { id, dir, up, down: readOptional(join(dir, "down.sql")), checksum: checksumOf(up), snapshot };
  }

  /** The schema after the newest migration that recorded one. */
  lastSnapshot(): SchemaState | undefined {
    const files = this.list();
    for (let i = files.length - 1; i >= 0; i--) {
      const snapshot = files[i]?.snapshot;
      if (snapshot) return snapshot;
    }
    return undefined;
  }

  /** A new id after every existing one: the current UTC second, or one second past the newest id. */
  nextId(name: string, now: Date = new Date()): string {
    const slug = name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 80);
    if (slug === "")
      throw new MigrationError(`Migration name '${name}' has no letters or digits`, { field: "name", fix: "Name it after the change, e.g. add_user_email" });
    let stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
    const last = this.list().at(-1)?.id.slice(0, 14);
    if (last !== undefined && stamp <= last) stamp = nextSecond(last);
    return `${stamp}_${slug}`;
  }

  write(id: string, content: { up: string; down: string | undefined; snapshot: SchemaState }): string {
    const dir = join(this.path, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "up.sql"), content.up);
    if (content.down !== undefined) writeFileSync(join(dir, "down.sql"), content.down);
    writeFileSync(join(dir, "snapshot.json"), `${JSON.stringify(content.snapshot, null, 2)}\n`);
    return dir;
  }
}

function nextSecond(stamp: string): string {
  const d = new Date(
    Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14) + 1),
  );
  return d.toISOString().replace(/\D/g, "").slice(0, 14);
}
