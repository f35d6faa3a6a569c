import { isAbsolute, resolve } from "node:path";
import { ValidationError } from "@dataflow/kernel/plugin";

const FORMS = "Use sqljs::memory:, sqljs:relative/path.db or sqljs:///absolute/path.db";

/**
 * `sqljs::memory:` (or `sqljs:`) -> ":memory:"; `sqljs:relative/path.db` -> resolved against the working
 * directory; `sqljs:///absolute/path.db` -> `/absolute/path.db`. The path is percent-decoded; `?...` is ignored.
 */
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
    throw new ValidationError("The path of the sqljs: URL is not valid percent-encoding", {
      field: "url.path",
      fix: "Write '%' in a file name as %25, and use %XX only with two hex digits",
    });
  }
  if (path.includes("\u0000"))
    throw new ValidationError("The path of the sqljs: URL contains a NUL character", { field: "url.path", fix: "Remove %00 from the path" });
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}
