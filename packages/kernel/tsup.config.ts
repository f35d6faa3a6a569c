import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared";

// Two entry points sharing one copy of every module (splitting), so classes and registries are not duplicated.
export default defineConfig({
  ...packageBuild,
  entry: { index: "src/index.ts", plugin: "src/plugin-api.ts" },
  splitting: true,
});
