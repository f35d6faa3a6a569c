import { afterAll, describe } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import { schemaStrategyCases } from "./schema.test-cases.js";
import { MysqlTarget } from "./targets.js";

const res = await useTestDatabase("mysql");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});
const db = () => (res as unknown as { db: never }).db;

describe.skipIf(!res.ok)(`schema strategy on MariaDB/MySQL: a database per tenant${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  let probe: MysqlTarget | undefined;
  afterAll(() => probe?.dispose());
  const namespaces = async (name: string) => {
    probe ??= await new MysqlTarget("row", db()).prepare();
    return (await probe.raw("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [name])).map((r) => String(r.name));
  };
  schemaStrategyCases(() => new MysqlTarget("schema", db()).prepare(), namespaces);
});
