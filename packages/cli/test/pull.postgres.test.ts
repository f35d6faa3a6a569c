import { useTestDatabase } from "@dataflow/testing";
import { pullSuite } from "./support/pull-suite.js";
import { serverTarget } from "./support/targets.js";

const res = await useTestDatabase("postgres");
pullSuite("pull, the round trip and run on PostgreSQL", res.ok ? serverTarget("postgres", res.db) : res.reason);
