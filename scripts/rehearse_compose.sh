#!/usr/bin/env bash
# Rehearse docker-compose.yml without a Docker engine: the commands its services run, under the
# production settings, on this machine's PostgreSQL and Redis, each checked as its healthcheck
# checks it, then stopped as `docker compose stop` stops it (SIGTERM).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_rehearsal \
#   REDIS_URL=redis://127.0.0.1:6379/15 scripts/rehearse_compose.sh
#
# The database is migrated by the rehearsal (use a scratch one). Exit 0 when every step passed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
: "${DATABASE_URL:?set DATABASE_URL to a scratch database}"
: "${REDIS_URL:?set REDIS_URL}"
work=$(mktemp -d)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}
export ALLOWED_HOSTS=portal.example.cn PUBLIC_BASE_URL=https://portal.example.cn
export SECURE_SSL_REDIRECT=true TRUSTED_PROXIES=172.28.0.10 MEDIA_ROOT=$work/media
export GUNICORN_BIND=127.0.0.1:$port WEB_CONCURRENCY=2
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
step() { printf "%-62s" "$1"; }
ok() { echo "ok${1:+ ($1)}"; }

step "migrate: python manage.py migrate --no-input"
$PY manage.py migrate --no-input >"$work/migrate.log" 2>&1 && ok "exit 0"

step "web: gunicorn -c config/gunicorn.py; healthcheck"
$PY -m gunicorn -c config/gunicorn.py config.wsgi:application >"$work/web.log" 2>&1 &
pids+=($!); web=$!
started=$(date +%s.%N)
until $PY -m core.probe "http://127.0.0.1:$port/healthz" 2>/dev/null; do
  sleep 0.2; [ "$(echo "$(date +%s.%N) - $started > 30" | bc)" = 1 ] && { echo FAILED; tail "$work/web.log"; exit 1; }
done
ok "healthy after $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)") s"

for queue in documents notifications rollups; do
  step "worker-$queue: celery worker -Q $queue; healthcheck"
  $PY -m celery -A config worker -Q "$queue" --concurrency 1 -n "$queue@%h" --loglevel INFO \
    >"$work/worker-$queue.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 30); do
    $PY -m celery -A config inspect ping -d "$queue@$(hostname)" -t 10 >/dev/null 2>&1 && break
    sleep 2
  done
  $PY -m celery -A config inspect ping -d "$queue@$(hostname)" -t 10 >/dev/null 2>&1 && ok \
    || { echo FAILED; tail "$work/worker-$queue.log"; exit 1; }
done

step "beat: celery beat; its heartbeat makes /healthz/ready 200"
$PY -c 'import django; django.setup(); from django.core.cache import cache; cache.delete("portal:beat-heartbeat")' 2>/dev/null
$PY -m celery -A config beat --loglevel INFO --schedule "$work/celerybeat-schedule" >"$work/beat.log" 2>&1 &
pids+=($!); beat=$!
ready=""
for _ in $(seq 1 50); do
  ready=$(curl -s -o "$work/ready.json" -w '%{http_code}' "http://127.0.0.1:$port/healthz/ready" || true)
  [ "$ready" = 200 ] && break
  sleep 2
done
[ "$ready" = 200 ] && ok "$(cat "$work/ready.json")" || { echo "FAILED $ready $(cat "$work/ready.json")"; exit 1; }

step "stop web (SIGTERM to gunicorn)"
started=$(date +%s.%N); kill -TERM "$web"; wait "$web" || true
ok "exited in $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)") s"
step "stop beat and workers (SIGTERM: warm shutdown)"
started=$(date +%s.%N)
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
ok "exited in $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)") s"
grep -h "Warm shutdown\|worker: Warm" "$work"/worker-*.log | head -3 || true
echo "logs: $work"
