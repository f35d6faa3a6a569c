import { describe } from "vitest";
import { badInputTests } from "./groups/bad-input.js";
import { bulkTests } from "./groups/bulk.js";
import { crudTests } from "./groups/crud.js";
import { decimalOrderTests } from "./groups/decimal-order.js";
import { filterTests } from "./groups/filters.js";
import { hostileTests } from "./groups/hostile/index.js";
import { lifecycleTests } from "./groups/lifecycle.js";
import { listTests } from "./groups/list.js";
import { schemaTests } from "./groups/schema.js";
import { softDeleteTests } from "./groups/soft-delete.js";
import { streamingTests } from "./groups/streaming.js";
import { typeTests } from "./groups/types.js";
import { vectorTests } from "./groups/vector.js";
import { Harness } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

export type {
  ConformanceDataFlowOptions,
  ConformanceOptions,
  ConformanceOracle,
  ConformanceSkip,
  ConformanceUrls,
  ConformanceWorker,
  VectorConformance,
} from "./types.js";
export { distanceOf, randomVector } from "./groups/vector.js";
export { HOSTILE_BOUND_MS, sameStored } from "./harness.js";
export type { TestContext } from "./harness.js";
export { FILTER_CASES, FILTER_ROWS } from "./groups/filters.js";
export { declareItem } from "./models.js";

/**
 * The adapter conformance suite: every generated node, every filter operator, every field type,
 * soft delete, ordering and keyset pagination, streaming (`db.stream`), schema migration, every bad-input path and the hostile group.
 * Call it at the top level of a vitest file. Writes are checked through `createOracle()`'s raw driver.
 */
export function runAdapterConformance(options: ConformanceOptions): void {
  describe(`DataFlow adapter conformance: ${options.name}`, () => {
    const h = new Harness(options);
    h.install();
    crudTests(h);
    typeTests(h);
    filterTests(h);
    listTests(h);
    decimalOrderTests(h);
    bulkTests(h);
    softDeleteTests(h);
    streamingTests(h);
    badInputTests(h);
    schemaTests(h);
    hostileTests(h);
    lifecycleTests(h);
    if (options.vector) vectorTests(h, options.vector);
  });
}
