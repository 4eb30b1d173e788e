#!/usr/bin/env bash
# A read replica of this machine's PostgreSQL: a second cluster on another port, fed by streaming
# replication from a base backup (`pg_basebackup -R -X stream`). CI starts it for
# tests/test_replica.py; it is also how to try DATABASE_REPLICA_URL by hand (README, "Read replica").
#
#   scripts/replica.sh start    # idempotent: a streaming replica is left alone, anything else remade
#   scripts/replica.sh status   # exit 0 when it streams, 3 when not
#   scripts/replica.sh stop
#
# REPLICA_PORT (5433), REPLICA_DIR (/var/lib/postgresql/<version>/replica-<port>),
# PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), PG_VERSION (the primary's) change where.
# Needs root (or the postgres account): the clusters belong to the postgres OS user. The primary
# is given a `host replication` line in its pg_hba.conf for 127.0.0.1 if it has none (then
# reloaded); its wal_level must already be replica or logical (PostgreSQL's default).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PORT=${REPLICA_PORT:-5433}

primary_sql() { psql -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -c "$1"; }
replica_sql() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "$1"; }

# The primary's major version (a standby must run the same), else the newest server installed.
if [ -z "${PG_VERSION:-}" ]; then
  PG_VERSION=$(primary_sql 'select current_setting($$server_version_num$$)::int / 10000' 2>/dev/null ||
    ls /usr/lib/postgresql | sort -V | tail -n1)
fi
BIN=/usr/lib/postgresql/$PG_VERSION/bin
DIR=${REPLICA_DIR:-/var/lib/postgresql/$PG_VERSION/replica-$PORT}
LOG=$DIR/replica.log

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -u postgres -- "$@"
  fi
}

streaming() {
  [ "$(replica_sql 'select pg_is_in_recovery()' 2>/dev/null)" = t ] &&
    [ "$(replica_sql 'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ]
}

# Replication connections match only `replication` lines of pg_hba.conf, never `all`.
allow_replication() {
  local conninfo="host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true"
  if psql -X -q -At "$conninfo" -c IDENTIFY_SYSTEM >/dev/null 2>&1; then
    return 0
  fi
  local hba
  hba=$(primary_sql 'show hba_file')
  echo "replica: allowing replication from 127.0.0.1 in $hba"
  printf '\n# Streaming replication to the local read replica (scripts/replica.sh).\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
  primary_sql 'select pg_reload_conf()' >/dev/null
  for _ in $(seq 1 10); do
    psql -X -q -At "$conninfo" -c IDENTIFY_SYSTEM >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "replica: the primary still refuses replication connections (see $hba)" >&2
  return 1
}

stop() {
  if [ -f "$DIR/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

start() {
  if streaming; then
    echo "replica: already streaming on port $PORT"
    return 0
  fi
  if pg_isready -q -h 127.0.0.1 -p "$PORT" && [ ! -f "$DIR/postmaster.pid" ]; then
    echo "replica: port $PORT is taken by a server that is not this replica" >&2
    return 1
  fi
  local wal_level
  wal_level=$(primary_sql 'show wal_level')
  if [ "$wal_level" = minimal ]; then
    echo "replica: the primary's wal_level is minimal; set it to replica and restart it" >&2
    return 1
  fi
  allow_replication
  # Not streaming: a stopped or stale copy may have missed WAL the primary no longer keeps, so
  # it is made again from a fresh base backup (seconds for a test server).
  stop
  # The directory is made by root when root runs this: Debian's /var/lib/postgresql/<version>
  # belongs to root, and pg_basebackup accepts an empty directory.
  if [ "$(id -u)" = 0 ]; then
    rm -rf "$DIR"
    install -d -o postgres -g postgres -m 700 "$DIR"
  else
    as_postgres rm -rf "$DIR"
    as_postgres mkdir -p -m 700 "$DIR"
  fi
  echo "replica: base backup of $PRIMARY_HOST:$PRIMARY_PORT into $DIR"
  as_postgres "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DIR" \
    -R -X stream -c fast
  # Debian keeps the primary's configuration in /etc, so the copy has none of its own. The
  # settings a hot standby needs equal to the primary's (max_connections...) are left at
  # PostgreSQL's defaults, as the primary's are. A query on the replica holds up replay at most
  # 5 s (a test's TRUNCATE on the primary must reach the replica quickly).
  as_postgres tee "$DIR/postgresql.conf" >/dev/null <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
max_standby_streaming_delay = 5s
max_standby_archive_delay = 5s
cluster_name = 'replica-$PORT'
EOF
  as_postgres tee "$DIR/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres touch "$DIR/pg_ident.conf"
  as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$LOG" -w -t 60 start >/dev/null
  for _ in $(seq 1 60); do
    if streaming; then
      echo "replica: streaming on 127.0.0.1:$PORT"
      return 0
    fi
    sleep 0.5
  done
  echo "replica: started but not streaming; see $LOG" >&2
  return 1
}

status() {
  if streaming; then
    local lag
    lag=$(replica_sql "select coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)")
    echo "replica: streaming on 127.0.0.1:$PORT from $PRIMARY_HOST:$PRIMARY_PORT ($lag bytes received, not yet replayed)"
    return 0
  fi
  echo "replica: not streaming on port $PORT"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop; echo "replica: stopped" ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
