// One PostgreSQL and one MariaDB/MySQL server for every test file (unless DATAFLOW_TEST_<KIND>_URL names one).
import { startSharedTestServers } from "@dataflow/testing";

export default () => startSharedTestServers(["postgres", "mysql"]);
