/**
 * Starts a throwaway PostgreSQL or MariaDB (not durable) for the instruction-count probe, prints
 * its URL and keeps it until SIGINT/SIGTERM (then stops it).
 *   node --import tsx src/bench-server.ts postgres|mysql
 */
import { provisionDatabase } from "@dataflow/testing";

const kind = (process.argv[2] ?? "postgres") as "postgres" | "mysql";
const provisioned = await provisionDatabase(kind, { ownServer: true });
if (!provisioned.ok) throw new Error(provisioned.reason);
console.log(`DATAFLOW_BENCH_URL=${provisioned.db.url}`);
console.log(`server pid ${provisioned.db.server?.pid ?? "?"}; this process ${process.pid}`);
const stop = async () => {
  await provisioned.db.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => {}, 60_000);
