import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared";

// The hostile group's bounded-work cases run in a worker thread started from dist/hostile-worker.js.
export default defineConfig({
  ...packageBuild,
  entry: { index: "src/index.ts", "hostile-worker": "src/conformance/worker/entry.ts" },
});
