#!/bin/sh
# A throw-away PostgreSQL for the tests (issue 16): Debian's postgresql-15 server binaries, a
# temporary data folder, run as the unprivileged `postgres` system user (the package creates it;
# initdb and postgres refuse to run as root), listening only on a Unix socket in that folder (no
# TCP port to collide with). fsync off: the tests test envgov, not the disk.
#
#   scripts/pg-test.sh start DIR   initdb DIR/data, start, create database envgov; prints the URL
#   scripts/pg-test.sh stop DIR    stop the server, remove DIR
#
# The URL printed: postgresql:///envgov?host=DIR&user=postgres (what EG_TEST_PG takes).
set -eu
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/postgres" ] || { echo "pg-test: no PostgreSQL server binaries (apt-get install postgresql-15)" >&2; exit 1; }
RUNAS=""
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg-test: running as root needs the postgres system user (package postgresql-15)" >&2; exit 1; }
    RUNAS="runuser -u postgres --"
fi
cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
case "$cmd" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$RUNAS" ] || chown postgres: "$dir"
    chmod 0700 "$dir"
    $RUNAS "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    $RUNAS "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses= -c unix_socket_directories=$dir -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    $RUNAS "$PGBIN/psql" -h "$dir" -U postgres -d postgres -q -c "CREATE DATABASE envgov" >/dev/null
    echo "postgresql:///envgov?host=$dir&user=postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        $RUNAS "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
