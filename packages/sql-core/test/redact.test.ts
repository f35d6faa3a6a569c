import { describe, expect, it } from "vitest";
import { redactLiterals } from "../src/redact.js";

describe("redactLiterals", () => {
  it("replaces string and number literals, keeps identifiers, and folds repeated tuples", () => {
    const text = "INSERT INTO `t1` (`email`, `n`) VALUES ('a@x.test', 1), ('it\\'s', -2.5), ('o''k', 3e2) ON DUPLICATE KEY UPDATE `n` = `n`";
    const out = redactLiterals(text);
    expect(out).toBe("INSERT INTO `t1` (`email`, `n`) VALUES (?, ?), ... (3 rows) ON DUPLICATE KEY UPDATE `n` = `n`");
    expect(out).not.toMatch(/a@x|it|o''k|2\.5/);
  });

  it("redacts an IN list of literals", () => {
    expect(redactLiterals("SELECT `email` FROM `users` WHERE `email` IN ('a', 'b')")).toBe("SELECT `email` FROM `users` WHERE `email` IN (?, ?)");
  });
});
