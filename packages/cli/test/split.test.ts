import { describe, expect, it } from "vitest";
import { splitStatements } from "../src/migrations/split.js";

describe("splitStatements", () => {
  it("splits at semicolons outside quotes, comments and dollar quotes", () => {
    const sql = [
      "-- header comment only",
      "CREATE TABLE a (v TEXT DEFAULT 'x;y');",
      'INSERT INTO "we;ird" VALUES (1); /* a ; in a comment */',
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;",
      "SELECT 'it''s; fine'",
    ].join("\n");
    expect(splitStatements(sql)).toEqual([
      "-- header comment only\nCREATE TABLE a (v TEXT DEFAULT 'x;y')",
      'INSERT INTO "we;ird" VALUES (1)',
      "/* a ; in a comment */\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
      "SELECT 'it''s; fine'",
    ]);
  });

  it("drops statements that are only comments or blank", () => {
    expect(splitStatements("-- nothing\n;\n  ;\n/* x */")).toEqual([]);
  });
});
