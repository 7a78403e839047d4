#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server (Debian's package) on 127.0.0.1:${PGPORT:-54329} for the tests.
# Prints the DATABASE_URL on success; exits 3 when PostgreSQL cannot be installed (no root).
set -euo pipefail
PGPORT="${PGPORT:-54329}"
PGDATA="${PGDATA_DIR:-/tmp/jiuzhu-pg-$PGPORT}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "无 root 权限，不能安装 PostgreSQL" >&2; exit 3
  fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! as_pg "$bindir/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"; [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    as_pg "$bindir/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
  fi
  as_pg "$bindir/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PGPORT/jiuzhu"
