// One PostgreSQL server for every test file (unless DATAFLOW_TEST_POSTGRES_URL names one).
import { startSharedTestServers } from "@dataflow/testing";

export default () => startSharedTestServers(["postgres"]);
