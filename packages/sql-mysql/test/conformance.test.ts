import { DataFlow } from "@dataflow/kernel";
import { runAdapterConformance, useTestDatabase } from "@dataflow/testing";
import { describe, it } from "vitest";
import mysql from "../src/index.js";
import { mysqlOracle } from "./oracle.js";

// Twice: with the text protocol (the default) and with server-side prepared statements.
const modes = [
  { name: "mysql (MariaDB 10.11 / MySQL 8), text protocol", query: "" },
  { name: "mysql (MariaDB 10.11 / MySQL 8), prepared statements", query: "?preparedStatements=true" },
];

for (const mode of modes) {
  const res = await useTestDatabase("mysql");
  if (res.ok) {
    const url = `${res.db.url}${mode.query}`;
    runAdapterConformance({
      name: mode.name,
      createDataFlow: (options) => new DataFlow({ url, plugins: [mysql], ...options }),
      worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
      urls: {
        invalid: [
          "mysql://root:p%zz@127.0.0.1:3306/db",
          "mariadb://ro%E0%A4%Aot@127.0.0.1:3306/db",
          "mysql://root@127.0.0.1:3306/db%zz",
          "mysql://root@127.0.0.1:99999/db",
          "mysql://root@127.0.0.1:33x6/db",
          "mariadb://root@[::1/db",
        ],
        withPassword(password) {
          const u = new URL(url);
          u.username ||= "root";
          u.password = password;
          return u.href;
        },
      },
      createOracle: () => mysqlOracle(res.db.url),
      teardown: () => res.db.dispose(),
    });
  } else {
    describe.skip(`DataFlow adapter conformance: ${mode.name} [no database: ${res.reason}]`, () => {
      it("needs a MySQL or MariaDB server", () => {});
    });
  }
}
