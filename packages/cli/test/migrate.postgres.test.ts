import { useTestDatabase } from "@dataflow/testing";
import { migrationSuite } from "./support/suite.js";
import { serverTarget } from "./support/targets.js";

const res = await useTestDatabase("postgres");
migrationSuite("migrations on PostgreSQL", res.ok ? serverTarget("postgres", res.db) : res.reason);
