import { pullSuite } from "./support/pull-suite.js";
import { sqliteTarget } from "./support/targets.js";

pullSuite("pull, the round trip and run on SQLite (plus run, mcp and serve)", sqliteTarget(), true);
