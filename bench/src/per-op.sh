#!/bin/sh
# Client instructions per operation of one workload of instructions-server.mjs (or any probe taking
# `<workload> <warm> <count>`): two callgrind runs, `warm` ops and `warm + count` ops, difference / count.
#   DATAFLOW_BENCH_URL=... sh src/per-op.sh read [warm=1000] [count=1000] [probe=src/instructions-server.mjs]
set -e
workload=$1; warm=${2:-1000}; count=${3:-1000}; probe=${4:-src/instructions-server.mjs}
run() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable "$probe" "$workload" "$warm" "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(run 0)
b=$(run "$count")
echo "$workload: $(( (b - a) / count )) instructions/op ($a, $b)"
