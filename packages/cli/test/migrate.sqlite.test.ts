import { migrationSuite } from "./support/suite.js";
import { sqliteTarget } from "./support/targets.js";

migrationSuite("migrations on SQLite", sqliteTarget());
