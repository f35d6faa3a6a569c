#!/bin/sh
# Instructions per cold-start phase, DataFlow (phases.mjs) and raw better-sqlite3 (raw-phases.mjs), and
# of the whole scripts (dataflow.mjs, raw.mjs), under callgrind. Run from bench/ after `pnpm build`:
#   sh src/cold-start/phases.sh
# Each run gets a fresh copy of a file that already has the table. NODE_EXTRA_CA_CERTS is unset:
# when set, Node parses those certificates at start (465 M instructions on the benchmark VM), the
# same constant for every contender.
set -e
dir=$(mktemp -d)
node src/cold-start/dataflow.mjs "$dir/base.db" bench_cold > /dev/null
count() { # script STOP
  rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm"; cp "$dir/base.db" "$dir/run.db"
  STOP=$2 env -u NODE_EXTRA_CA_CERTS valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    node --single-threaded --predictable "src/cold-start/$1" "$dir/run.db" bench_cold 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}
phases() { # script phase-names...
  script=$1; shift; prev=0; s=0
  for name in "$@"; do
    n=$(count "$script" $s); [ $s -eq 0 ] && d=$n || d=$((n - prev)); prev=$n
    printf '%-10s %-28s %12d %+12d\n' "${script%%.mjs}" "$name" "$n" "$d"; s=$((s + 1))
  done
}
phases phases.mjs "node itself" "import kernel" "import sql-sqlite" "new DataFlow" "db.model" "runtime + workflow" "open (connect)" "table check" "first Create"
phases raw-phases.mjs "node itself" "import better-sqlite3" "open + pragmas" "INSERT"
for s in raw.mjs dataflow.mjs; do printf '%-10s %-28s %12d\n' whole "$s" "$(count $s 0)"; done
rm -rf "$dir"
