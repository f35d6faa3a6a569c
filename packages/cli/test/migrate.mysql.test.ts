import { useTestDatabase } from "@dataflow/testing";
import { migrationSuite } from "./support/suite.js";
import { serverTarget } from "./support/targets.js";

const res = await useTestDatabase("mysql");
migrationSuite("migrations on MySQL/MariaDB", res.ok ? serverTarget("mysql", res.db) : res.reason);
