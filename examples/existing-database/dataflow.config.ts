import { defineConfig } from "@dataflow/cli";

export default defineConfig({
  // Written by `dataflow pull -o src/models.ts`; edit it freely afterwards.
  models: "./src/models.ts",
  url: process.env.DATABASE_URL ?? "sqlite:shop.db",
  migrations: "./migrations",
});
