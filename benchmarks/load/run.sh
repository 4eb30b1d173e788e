#!/usr/bin/env bash
# Load run on loopback: gunicorn (as in the Dockerfile) over PostgreSQL seeded with seed_demo,
# locust headless with the mixed load of locustfile.py, then the per-endpoint summary.
#
#   bash benchmarks/load/run.sh                 # 60 s, 40 users, 3 gunicorn workers
#   USERS=60 DURATION=120s WORKERS=4 bash benchmarks/load/run.sh
#   FRESH=1 bash benchmarks/load/run.sh         # drop and re-seed the load database first
#   LOAD_DB=river_chief_province bash benchmarks/load/run.sh   # the demo street in a province's tables
#
# Its own database (LOAD_DB, default river_chief_load on PG_SERVER); it never touches the
# development or test databases. Only 127.0.0.1 is ever a target. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
LOAD_DB=${LOAD_DB:-river_chief_load}
PORT=${PORT:-8765}
WORKERS=${WORKERS:-3}
USERS=${USERS:-40}
SPAWN_RATE=${SPAWN_RATE:-20}
DURATION=${DURATION:-60s}
OUT=${OUT:-$ROOT/test-artifacts/load}  # gitignored
VENV=${VENV:-$ROOT/.venv}  # a git worktree can name the main checkout's
PY=$VENV/bin/python

export DJANGO_SETTINGS_MODULE=benchmarks.load.settings
export DATABASE_URL="$PG_SERVER/$LOAD_DB"
export SECRET_KEY=${SECRET_KEY:-load-run-only-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}
export ALLOWED_HOSTS=127.0.0.1
export PYTHONPATH=$ROOT
# Tasks run in-process unless REDIS_URL is set (and a worker runs): the writes pay for their
# notifications themselves, a conservative figure.
export REDIS_URL=${REDIS_URL:-}
WORK=$(mktemp -d /tmp/river-chief-load.XXXXXX)
export MEDIA_ROOT=$WORK/media STATIC_ROOT=$WORK/static
mkdir -p "$OUT"

GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

psql_server() { psql "$PG_SERVER/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "${FRESH:-0}" = 1 ]; then
  echo "load: dropping $LOAD_DB"
  psql_server -c "DROP DATABASE IF EXISTS $LOAD_DB"
fi
if [ -z "$(psql_server -c "SELECT 1 FROM pg_database WHERE datname = '$LOAD_DB'")" ]; then
  psql_server -c "CREATE DATABASE $LOAD_DB"
fi
echo "load: migrating $LOAD_DB"
"$PY" manage.py migrate --no-input -v0
if [ "$(psql "$DATABASE_URL" -qAt -c "SELECT count(*) FROM accounts_user WHERE username = 'chief'")" = 0 ]; then
  echo "load: seeding the demo street (seed_demo)"
  "$PY" manage.py seed_demo
fi
# A previous run's lock-outs or sessions must not colour this one.
"$PY" manage.py axes_reset >/dev/null 2>&1 || true
"$PY" manage.py collectstatic --no-input -v0

echo "load: gunicorn with $WORKERS workers on 127.0.0.1:$PORT"
"$VENV/bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --timeout 60 --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "load: locust, $USERS users for $DURATION"
"$VENV/bin/locust" -f benchmarks/load/locustfile.py --headless --only-summary \
  --host "http://127.0.0.1:$PORT" -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" \
  --stop-timeout 10 --csv "$OUT/load" --exit-code-on-error 0 >"$OUT/locust.log" 2>&1
echo
echo "load: $USERS users, $DURATION, gunicorn $WORKERS workers, $(nproc) cores"
"$PY" benchmarks/load/summarize.py "$OUT/load"
