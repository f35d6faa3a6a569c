import { afterEach, beforeEach, describe, expect } from "vitest";
import type { Harness } from "../../harness.js";
import { boundedWorkTests } from "./bounded.js";
import { bulkGuardTests } from "./bulk-guard.js";
import { crashTests } from "./crashes.js";
import { datetimeTests } from "./datetimes.js";
import { exactStringTests } from "./exact-strings.js";
import { nameCollisionTests } from "./names.js";
import { optionTests } from "./options.js";
import { textTests } from "./text.js";

const PROTOTYPES: ReadonlyArray<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

const ownKeys = (o: object) => Reflect.ownKeys(o).map(String).sort();

/**
 * The hostile group: the classes of input an attacker tries (issue 7), several variants each.
 * Every case checks a typed error naming the field, that nothing was written (through the oracle),
 * that no prototype was polluted, and, for work that used to take seconds, a bound enforced in a
 * worker thread that is terminated when the bound passes.
 */
export function hostileTests(h: Harness): void {
  describe("hostile input: typed errors, nothing written, no pollution, bounded work", () => {
    let before: string[][] = [];
    beforeEach(() => {
      before = PROTOTYPES.map(([, p]) => ownKeys(p));
    });
    afterEach(() => {
      for (const [i, [name, p]] of PROTOTYPES.entries()) expect(ownKeys(p), `${name} was polluted`).toEqual(before[i]);
    });
    nameCollisionTests(h);
    exactStringTests(h);
    bulkGuardTests(h);
    optionTests(h);
    datetimeTests(h);
    boundedWorkTests(h);
    crashTests(h);
    textTests(h);
  });
}
