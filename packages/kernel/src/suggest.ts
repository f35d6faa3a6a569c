import { MAX_QUOTED_NAME } from "./names.js";

/** Inputs and candidates longer than this get no edit-distance work: nobody mistypes a 65-character name. */
export const MAX_SUGGEST_LENGTH = MAX_QUOTED_NAME;

/** Edit distance, or `limit + 1` as soon as it must exceed `limit` (banded: O(min(a, b) * limit)). */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    let rowMin = prev[0];
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
      if (prev[j]! < rowMin) rowMin = prev[j]!;
    }
    if (rowMin > limit) return limit + 1;
  }
  return prev[b.length]!;
}

const normalize = (s: string) => s.toLowerCase().replace(/[_\-.\s]/g, "");

/**
 * The closest candidates to `input` (case, `_` and `-` ignored), best first. Bounded work: an input
 * or candidate longer than `MAX_SUGGEST_LENGTH` is skipped, and each distance stops at its limit.
 */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  if (typeof input !== "string" || input.length > MAX_SUGGEST_LENGTH) return [];
  const target = normalize(input);
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    if (typeof c !== "string" || c.length > MAX_SUGGEST_LENGTH) continue;
    const n = normalize(c);
    const limit = Math.max(2, Math.floor(Math.max(target.length, n.length) / 3));
    const d = n === target ? 0 : distance(target, n, limit);
    if (d <= limit || (target.length >= 3 && n.includes(target))) scored.push([c, d]);
  }
  return scored
    .sort((x, y) => x[1] - y[1])
    .slice(0, max)
    .map(([c]) => c);
}

/** `"Did you mean 'orderBy'?"` or `""`. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const hits = closest(input, candidates);
  return hits.length ? `Did you mean ${hits.map((h) => `'${h}'`).join(" or ")}?` : "";
}
