import { useTestDatabase } from "@dataflow/testing";
import { pullSuite } from "./support/pull-suite.js";
import { serverTarget } from "./support/targets.js";

const res = await useTestDatabase("mysql");
pullSuite("pull, the round trip and run on MariaDB", res.ok ? serverTarget("mysql", res.db) : res.reason);
