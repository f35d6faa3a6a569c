import type { ViteUserConfig } from "vitest/config";
import { defineConfig } from "vitest/config";

/**
 * The test settings every package shares. `globalSetup` starts shared database servers for the
 * packages whose tests need them; the JSON report feeds the summary line of `npm test`.
 */
export function packageTests(options: { globalSetup?: string[] } = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ["test/**/*.test.ts"],
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
      testTimeout: 60_000,
      hookTimeout: 120_000,
      reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
    },
  });
}
