#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback and print its URL (last line of output).
# Usage: .ci/start-postgres.sh [DIR] [PORT]
set -euo pipefail
DIR="${1:-/tmp/libops-pg}"
PORT="${2:-54329}"
PGBIN=""
for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && PGBIN="$candidate"
done
if [ -z "$PGBIN" ]; then
    echo "PostgreSQL server not found; installing Debian's package" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && PGBIN="$candidate"
    done
fi
[ -n "$PGBIN" ] || { echo "no PostgreSQL server available" >&2; exit 1; }
RUNAS=()
if [ "$(id -u)" = "0" ]; then
    RUNAS=(runuser -u postgres --)
fi
if [ -f "$DIR/data/postmaster.pid" ]; then
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >&2 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = "0" ] && chown postgres "$DIR"
echo "libops" > "$DIR/pwfile"
[ "$(id -u)" = "0" ] && chown postgres "$DIR/pwfile"
"${RUNAS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U libops --pwfile="$DIR/pwfile" -A scram-sha-256 >&2
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
    -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=off" start >&2
PGPASSWORD=libops psql -h 127.0.0.1 -p "$PORT" -U libops -d postgres -qc "CREATE DATABASE libops_test" >&2
echo "postgresql://libops:libops@127.0.0.1:$PORT/libops_test"
