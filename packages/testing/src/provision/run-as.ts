import { chownSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** First of `candidates` found in /etc/passwd. */
export function systemUser(candidates: readonly string[]): RunAs | undefined {
  let passwd: string;
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  const entries = new Map<string, RunAs>();
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user && uid && gid) entries.set(user, { user, uid: Number(uid), gid: Number(gid) });
  }
  for (const name of candidates) {
    const entry = entries.get(name);
    if (entry) return entry;
  }
  return undefined;
}

function worldTraversable(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dirname(dir) === dir) return true;
  }
}

/** A private temp dir, owned by `owner` when given (which then must be able to reach it). */
export function makeServerDir(prefix: string, owner?: RunAs): string {
  const base = owner && !worldTraversable(tmpdir()) ? "/tmp" : tmpdir();
  const dir = mkdtempSync(join(base, prefix));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}
