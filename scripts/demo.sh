#!/usr/bin/env bash
# README command 1: install, migrate SQLite, load demo data, serve on http://127.0.0.1:8000 with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
mkdir -p var
# Demo keys are generated once and kept in var/ (never committed), so the encrypted demo data stays readable.
if [ ! -f var/secrets.env ]; then
  .venv/bin/python - > var/secrets.env <<'PY'
import base64, secrets
print("DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50))
print("JIUZHU_FIELD_KEY=" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
print("JIUZHU_HASH_KEY=" + secrets.token_urlsafe(32))
PY
  chmod 600 var/secrets.env
fi
set -a; . var/secrets.env; set +a
export JIUZHU_ENV=demo DATABASE_URL="${DATABASE_URL:-sqlite:///var/jiuzhu.sqlite3}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py load_demo --persons "${DEMO_PERSONS:-20000}"
# Production-shaped: the web server, the task worker (django-tasks-db) and the periodic jobs, so every
# page that starts a job sees it finish. Stopping the demo (Ctrl+C, SIGTERM, or any one of the three
# exiting) stops the other two; the worker finishes the task it is running first.
pids=()
stop_all() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  wait
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT:-8000}" \
  --workers "${WEB_WORKERS:-2}" --threads 4 --access-logfile - --log-level warning &
pids+=($!)
# setsid: Ctrl+C reaches the worker only once (from stop_all), so it ends its current task cleanly.
setsid .venv/bin/python manage.py db_worker --no-reload --interval 1 -v0 &
pids+=($!)
setsid .venv/bin/python manage.py run_periodic -v0 &
pids+=($!)
echo "平台地址：http://127.0.0.1:${PORT:-8000}/  （后台任务执行器和周期任务已启动；Ctrl+C 停止）"
wait -n "${pids[@]}"
