import { ValidationError } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import { MysqlAdapter, parseMysqlUrl } from "../src/index.js";

describe("mysql:// URLs", () => {
  it("reads host, port, user, password, database and options", () => {
    const u = parseMysqlUrl(
      "mysql://app:s%40cr%3At%23@db.example.com:3307/shop?connectionLimit=20&acquireTimeout=500&statementTimeout=1500&preparedStatements=false&ssl=verify",
    );
    expect(u).toMatchObject({
      scheme: "mysql",
      host: "db.example.com",
      port: 3307,
      user: "app",
      password: "s@cr:t#",
      database: "shop",
      connectionLimit: 20,
      acquireTimeoutMs: 500,
      statementTimeoutMs: 1500,
      preparedStatements: false,
      ssl: "verify",
    });
  });

  it("defaults: port 3306, user root, no password; mariadb:// and sockets", () => {
    expect(parseMysqlUrl("mariadb://localhost/app")).toMatchObject({ scheme: "mariadb", port: 3306, user: "root", password: undefined, socketPath: undefined });
    expect(parseMysqlUrl("mysql://u@localhost/app?socket=%2Frun%2Fmysqld%2Fmysqld.sock").socketPath).toBe("/run/mysqld/mysqld.sock");
    expect(parseMysqlUrl("mysql://u@[::1]:3310/app")).toMatchObject({ host: "::1", port: 3310 });
  });

  it("rejects unknown options with a hint, bad numbers, missing databases and NUL bytes", () => {
    expect(() => parseMysqlUrl("mysql://u@h/app?conectionLimit=5")).toThrow(/did you mean 'connectionLimit'/i);
    expect(() => parseMysqlUrl("mysql://u@h/app?connectionLimit=0")).toThrow(ValidationError);
    expect(() => parseMysqlUrl("mysql://u@h/app?connectionLimit=abc")).toThrow(ValidationError);
    expect(() => parseMysqlUrl("mysql://u@h/")).toThrow(/names no database/);
    expect(() => parseMysqlUrl("mysql://u:%00bypass@h/app")).toThrow(/NUL/);
    expect(() => parseMysqlUrl("postgres://u@h/app")).toThrow(ValidationError);
  });

  it("never repeats the password in an error", () => {
    let message = "";
    try {
      parseMysqlUrl("mysql://app:hunter2secret@h/app?nope=1");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("nope");
    expect(message).not.toContain("hunter2secret");
  });

  it("the adapter takes pool options over the URL's and assumes the flavor from the scheme until it connects", async () => {
    const a = new MysqlAdapter("mariadb://u@127.0.0.1:1/app?connectionLimit=3", { pool: { max: 7 } });
    expect(a.server.flavor).toBe("mariadb");
    expect(new MysqlAdapter("mysql://u@127.0.0.1:1/app").server.flavor).toBe("mysql");
    await a.close();
  });
});

describe("the port", () => {
  it("outside 1-65535 or not a number is a ValidationError naming url.port at construction, not a failure at first use", () => {
    for (const u of ["mysql://u:pw@h:0/db", "mysql://u:pw@h:70000/db", "mysql://u:pw@h:abc/db", "mariadb://u:pw@[::1]:99999/db"]) {
      let caught: unknown;
      try {
        parseMysqlUrl(u);
      } catch (error) {
        caught = error;
      }
      expect(caught, u).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).field).toBe("url.port");
    }
    expect(parseMysqlUrl("mysql://u:p%3Ax@h:65535/db").port).toBe(65535);
  });
});
