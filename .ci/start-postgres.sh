#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback and print its URL (last line of output).
# Usage: .ci/start-postgres.sh [DIR] [PORT]     start (replacing any cluster in DIR)
#        .ci/start-postgres.sh --stop [DIR]     stop the cluster in DIR
# Installs Debian's PostgreSQL server with apt-get when no server is on the machine.
set -euo pipefail

find_pgbin() {
    PGBIN=""
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && PGBIN="$candidate"
    done
    return 0
}

RUNAS=()
if [ "$(id -u)" = "0" ]; then
    RUNAS=(runuser -u postgres --)
fi

if [ "${1:-}" = "--stop" ]; then
    DIR="${2:-/tmp/libops-pg}"
    find_pgbin
    [ -n "$PGBIN" ] && [ -f "$DIR/data/postmaster.pid" ] || exit 0
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
    exit 0
fi

DIR="${1:-/tmp/libops-pg}"
PORT="${2:-54329}"
find_pgbin
if [ -z "$PGBIN" ]; then
    echo "PostgreSQL server not found; installing Debian's package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    find_pgbin
fi
[ -n "$PGBIN" ] || { echo "no PostgreSQL server available" >&2; exit 1; }
if [ -f "$DIR/data/postmaster.pid" ]; then
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >&2 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
echo "libops" > "$DIR/pwfile"
if [ "$(id -u)" = "0" ]; then
    chown -R postgres "$DIR"
fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U libops --pwfile="$DIR/pwfile" \
    -A scram-sha-256 >&2
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
    -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=off" start >&2
PGPASSWORD=libops "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U libops -d postgres \
    -qc "CREATE DATABASE libops_test" >&2
echo "postgresql://libops:libops@127.0.0.1:$PORT/libops_test"
