/** The cold-start measurement a child prints: ms since the process started, and its CPU time so far. */
export function report(row) {
  const ms = performance.now();
  const cpu = process.cpuUsage();
  if (typeof row?.id !== "number") throw new Error(`the first Create returned no numeric id: ${JSON.stringify(row)}`);
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}
