import { mergeConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.ts";

// Type tests (test/types/*.test-d.ts) run with the unit tests: each @ts-expect-error must stay an error.
export default mergeConfig(packageTests(), {
  test: { typecheck: { enabled: true, include: ["test/types/**/*.test-d.ts"], tsconfig: "./tsconfig.json" } },
});
