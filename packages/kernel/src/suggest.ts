function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

const normalize = (s: string) => s.toLowerCase().replace(/[_\-.\s]/g, "");

/** The closest candidates to `input` (case, `_` and `-` ignored), best first. */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const target = normalize(input);
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    const n = normalize(c);
    const d = n === target ? 0 : distance(target, n);
    const limit = Math.max(2, Math.floor(Math.max(target.length, n.length) / 3));
    if (d <= limit || (target.length >= 3 && n.includes(target))) scored.push([c, d]);
  }
  return scored.sort((x, y) => x[1] - y[1]).slice(0, max).map(([c]) => c);
}

/** `". Did you mean 'orderBy'?"` or `""`. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const hits = closest(input, candidates);
  return hits.length ? `Did you mean ${hits.map((h) => `'${h}'`).join(" or ")}?` : "";
}
