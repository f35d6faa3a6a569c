import { createHash } from "node:crypto";

/**
 * Names of server-side prepared statements, by SQL text. A text gets a name the second time it
 * is seen, so one-off statements (a bulk batch, a long IN list) are not prepared on every
 * connection. The name is a digest of the text, the same on every connection; the maps are
 * bounded, and texts beyond the bound run unnamed.
 */
export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly maxNamed = 2000,
    private readonly maxTextLength = 8192,
  ) {}

  /** The name to prepare `text` under, or undefined to run it unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.named.get(text);
    if (name !== undefined) return name;
    if (text.length > this.maxTextLength || this.named.size >= this.maxNamed) return undefined;
    if (!this.seen.has(text)) {
      if (this.seen.size >= this.maxNamed) this.seen.clear();
      this.seen.add(text);
      return undefined;
    }
    this.seen.delete(text);
    const digest = createHash("sha256").update(text).digest("base64url").slice(0, 22);
    const fresh = `df_${digest}`;
    this.named.set(text, fresh);
    return fresh;
  }

  get size(): number {
    return this.named.size;
  }
}
