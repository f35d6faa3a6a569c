#!/usr/bin/env bash
# Builds and installs the pgvector extension for the machine's newest PostgreSQL server when its
# vector.so is missing. Debian 12 has no pgvector package; Debian 13's source package builds
# against PostgreSQL 15. The archive address is read from the machine's own apt sources, so no
# registry host is written here. Needs root.
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_bin" ]; then echo "install-pgvector: no PostgreSQL server installed" >&2; exit 1; fi
pg_major=$(basename "$(dirname "$pg_bin")")
pkglib="/usr/lib/postgresql/$pg_major/lib"
if [ -f "$pkglib/vector.so" ]; then echo "install-pgvector: $pkglib/vector.so already present"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "install-pgvector: need root" >&2; exit 1; fi

# The archive address the machine already uses for its main Debian suite.
archive=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  uri=$(awk '/^URIs:/ {print $2; exit}' "$f")
  if [ -n "$uri" ] && grep -q '^Suites:.*bookworm\b' "$f"; then archive=$uri; break; fi
done
if [ -z "$archive" ] && [ -f /etc/apt/sources.list ]; then
  archive=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
if [ -z "$archive" ]; then echo "install-pgvector: cannot find the Debian archive address in the apt sources" >&2; exit 1; fi

list=/etc/apt/sources.list.d/dataflow-pgvector-src.list
echo "deb-src $archive trixie main" > "$list"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq

# Build headers pinned to the installed server's exact version.
server_version=$(dpkg-query -W -f='${Version}' "postgresql-$pg_major")
apt-get install -y -qq "postgresql-server-dev-$pg_major=$server_version" make gcc dpkg-dev >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq pgvector >/dev/null
src=$(find . -maxdepth 1 -type d -name 'pgvector-*' | head -1)
cd "$src"
make -s PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config" with_llvm=no
make -s PG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config" with_llvm=no install
echo "install-pgvector: installed $(ls "$pkglib/vector.so")"
