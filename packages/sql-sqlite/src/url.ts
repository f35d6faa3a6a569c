import { isAbsolute, resolve } from "node:path";
import { ValidationError } from "@dataflow/kernel/plugin";

/**
 * `sqlite::memory:` -> in memory; `sqlite:relative/path.db` -> relative to the working directory;
 * `sqlite:///absolute/path.db` -> `/absolute/path.db`. A query string (`?...`) is ignored.
 */
export function sqliteFilename(url: string): string {
  const m = /^sqlite:(.*)$/i.exec(url);
  if (!m) throw new ValidationError(`Not a sqlite: URL`, { field: "url", fix: "Use sqlite::memory:, sqlite:path/to/app.db or sqlite:///abs/path.db" });
  let rest = m[1]!.replace(/\?.*$/, "");
  if (rest === ":memory:" || rest === "" || rest === "//:memory:") return ":memory:";
  if (rest.startsWith("///")) rest = rest.slice(2);
  else if (rest.startsWith("//")) {
    throw new ValidationError("sqlite:// URLs are ambiguous", { field: "url", fix: "Use sqlite:relative/path.db or sqlite:///absolute/path.db" });
  }
  try {
    rest = decodeURIComponent(rest);
  } catch {
    throw new ValidationError("The path of the sqlite: URL is not valid percent-encoding", {
      field: "url.path",
      fix: "Write '%' in a file name as %25 (sqlite:/tmp/x%25zz.db), and use %XX only with two hex digits",
    });
  }
  if (rest.includes("\u0000")) {
    throw new ValidationError("The path of the sqlite: URL contains a NUL character", { field: "url.path", fix: "Remove %00 from the path" });
  }
  return isAbsolute(rest) ? rest : resolve(process.cwd(), rest);
}
