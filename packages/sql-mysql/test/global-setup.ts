// One MariaDB/MySQL server for every test file (unless DATAFLOW_TEST_MYSQL_URL names one);
// tests that stop or kill a server ask for their own with `ownServer: true`.
import { startSharedTestServers } from "@dataflow/testing";

export default () => startSharedTestServers(["mysql"]);
