// One PostgreSQL server for every test file (unless DATAFLOW_TEST_POSTGRES_URL / DATAFLOW_TEST_PGVECTOR_URL names one).
import { startSharedTestServers } from "@dataflow/testing";

export default () => (process.env.DATAFLOW_TEST_PGVECTOR_URL ? () => {} : startSharedTestServers(["postgres"]));
