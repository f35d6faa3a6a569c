/**
 * Summarises a `.cpuprofile`: self time per package (DataFlow packages, drivers, Node, GC) and the
 * functions with the most self and inclusive time.
 *   node --import tsx src/profile-summary.ts /tmp/df-prof/<file>.cpuprofile [top]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const timeOf = new Map<number, number>();
profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...timeOf.values()].reduce((a, b) => a + b, 0);

function area(url: string, name: string): string {
  const pkg = /\/packages\/([^/]+)\//.exec(url)?.[1];
  if (pkg) return `@dataflow/${pkg}`;
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (dep) return dep;
  if (url.includes("/bench/")) return "bench harness";
  if (url.startsWith("node:") || url === "") return name.startsWith("(") ? name : "node internals";
  return url;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url
    .replace(/^.*\/packages\//, "")
    .replace(/^.*node_modules\//, "")
    .split("/")
    .slice(-3)
    .join("/");
  return `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
}

const selfByArea = new Map<string, number>();
const selfByFn = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, t] of timeOf) {
  const n = byId.get(id)!;
  const a = area(n.callFrame.url, n.callFrame.functionName);
  selfByArea.set(a, (selfByArea.get(a) ?? 0) + t);
  selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + t);
  }
}

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print("self time by package (native driver time counts under the JS function that called it)", selfByArea, 20);
print("self time by function", selfByFn, top);
print("inclusive time by function", inclusive, top);
