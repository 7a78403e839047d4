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
echo "平台地址：http://127.0.0.1:${PORT:-8000}/  （Ctrl+C 停止）"
exec .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT:-8000}" \
  --workers "${WEB_WORKERS:-2}" --threads 4 --access-logfile - --log-level warning
