import { describe, expect, it } from "vitest";
import { collectionOf } from "../src/collection.js";

describe("collectionOf", () => {
  it("names the table of each statement kind, unquoted and schema-qualified", () => {
    expect(collectionOf('SELECT "id" FROM "users" WHERE "id" = $1')).toBe("users");
    expect(collectionOf("INSERT INTO `orders` (`a`) VALUES (?)")).toBe("orders");
    expect(collectionOf('UPDATE "app"."users" SET "a" = $1')).toBe("app.users");
    expect(collectionOf("CREATE TABLE IF NOT EXISTS `t_1` (`id` INT)")).toBe("t_1");
    expect(collectionOf('DELETE FROM "notes" WHERE "id" = $1')).toBe("notes");
  });

  it("has none for statements without a table", () => {
    expect(collectionOf("SELECT 1")).toBeUndefined();
    expect(collectionOf("BEGIN")).toBeUndefined();
  });
});
