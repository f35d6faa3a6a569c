// Runs the unchanged quickstart program against MongoDB: the in-process CongoServer emulator that
// @dataflow/testing provisions (or the server in DATAFLOW_TEST_MONGODB_URL / MONGODB_URL).
// `pnpm --filter @dataflow/example-quickstart start:mongodb`
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { provisionMongoDatabase } from "@dataflow/testing";

const provisioned = await provisionMongoDatabase();
if (!provisioned.ok) {
  console.error(`No MongoDB to run on: ${provisioned.reason}`);
  process.exit(1);
}
console.log(`MongoDB: ${provisioned.db.source === "emulator" ? "the CongoServer emulator (not a real MongoDB)" : "the server from the environment"}`);
const program = fileURLToPath(new URL("../src/quickstart.ts", import.meta.url));
// The emulator lives in this process (its event loop must stay free), so the program runs in a child that connects over TCP.
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ["--import", "tsx", program], { stdio: "inherit", env: { ...process.env, DATABASE_URL: provisioned.db.url } });
  child.on("exit", (status) => resolve(status ?? 1));
});
await provisioned.db.dispose();
process.exit(code);
