/**
 * Where the profile that explains a budget MISS is written down (issue 9: every budget line
 * prints PASS, or MISS with the profile that says why). Keyed by `section/workload`; the verdict
 * column of a MISS names the README section. A MISS without an entry says so, so a new miss is
 * visible as unexplained rather than silently pointing nowhere.
 */
const PROFILES: Readonly<Record<string, string>> = {
  "sqlite/create": "bench/README.md#sqlite-where-the-time-over-raw-goes",
  "sqlite/read": "bench/README.md#sqlite-where-the-time-over-raw-goes",
  "sqlite/list": "bench/README.md#sqlite-where-the-time-over-raw-goes",
  "sqlite/bulk": "bench/README.md#bulkcreate-where-the-time-goes",
  "sqlite/workflow": "bench/README.md#sqlite-where-the-time-over-raw-goes",
  "sqlite/cold-start": "bench/README.md#sqlite-where-the-time-over-raw-goes",
  "postgres/create": "bench/README.md#postgresql-where-the-time-over-raw-goes",
  "postgres/read": "bench/README.md#postgresql-where-the-time-over-raw-goes",
  "postgres/concurrent-read": "bench/README.md#postgresql-where-the-time-over-raw-goes",
  "postgres/list": "bench/README.md#postgresql-where-the-time-over-raw-goes",
  "postgres/bulk": "bench/README.md#bulkcreate-where-the-time-goes",
  "mysql/create": "bench/README.md#mariadb-where-the-time-over-raw-goes",
  "mysql/read": "bench/README.md#mariadb-where-the-time-over-raw-goes",
  "mysql/list": "bench/README.md#mariadb-where-the-time-over-raw-goes",
  "mysql/bulk": "bench/README.md#bulkcreate-where-the-time-goes",
  "vector/pgvector-search": "bench/README.md, Methodology: Where VectorSearch's time over raw pg goes",
  "vector/pgvector-search-vectors": "bench/README.md, Methodology: Where VectorSearch's time over raw pg goes",
};

/** The verdict cell: PASS / n/a as they are; MISS with the pointer to its profile. */
export function verdictCell(section: string, workload: string, status: string): string {
  if (status !== "MISS") return status;
  const where = PROFILES[`${section}/${workload}`];
  return where === undefined ? "MISS (no profile written yet)" : `MISS (profile: ${where})`;
}
