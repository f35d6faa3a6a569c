// One PostgreSQL server for every test file (unless DATAFLOW_TEST_POSTGRES_URL names one);
// tests that stop, kill or resize a server ask for their own with `ownServer: true`.
import { startSharedTestServers } from "@dataflow/testing";

export default () => startSharedTestServers(["postgres"]);
