import { isAbsolute, resolve } from "node:path";
import { ValidationError } from "@dataflow/kernel/plugin";

const FORMS = "Use sqljs::memory:, sqljs:relative/path.db or sqljs:///absolute/path.db";
const badPath = (problem: string, fix: string) => new ValidationError(`The path of the sqljs: URL ${problem}`, { field: "url.path", fix });

/** `sqljs::memory:` or `sqljs:` -> ":memory:"; `sqljs:rel.db` -> `<cwd>/rel.db`; `sqljs:///abs.db` -> `/abs.db`. Percent-decoded; `?...` is ignored. */
export function sqljsFilename(url: string): string {
  const m = /^sqljs:([^?]*)/i.exec(url);
  if (!m) throw new ValidationError("Not a sqljs: URL", { field: "url", fix: FORMS });
  let path = m[1]!;
  if (path === "" || path === ":memory:") return ":memory:";
  if (path.startsWith("///")) path = path.slice(2);
  else if (path.startsWith("//")) throw new ValidationError("sqljs:// URLs are ambiguous (host or path?)", { field: "url", fix: FORMS });
  try {
    path = decodeURIComponent(path);
  } catch {
    throw badPath("is not valid percent-encoding", "Write '%' in a file name as %25, and use %XX only with two hex digits");
  }
  if (path.includes("\u0000")) throw badPath("contains a NUL character", "Remove %00 from the path");
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}
