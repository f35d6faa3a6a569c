import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared";

// Two entries: the adapter (better-sqlite3) and `./dialect`, the dialect alone, for adapters on other SQLite drivers.
export default defineConfig({ ...packageBuild, entry: ["src/index.ts", "src/dialect.ts"], splitting: true });
