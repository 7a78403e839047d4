#!/usr/bin/env bash
# README command 2 (and CI): lint, architecture contracts, deploy checks, then the whole suite on
# SQLite and on PostgreSQL. Everything the tests need is installed here.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/bootstrap.sh dev || exit 1
PY=.venv/bin/python
status=0
step() { echo; echo "==> $*"; }

# Browser tests need chromium and a CJK font: the phone-width check measures real glyphs, and screenshots
# of a page without one show only boxes.
# Spark (the monitoring engine's equality test) needs a Java runtime: Debian's default-jre-headless.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || ! command -v java >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    step "安装 Debian chromium、中文字体（浏览器测试）和 Java 运行环境（Spark）"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
      default-jre-headless >/dev/null) || true
  fi
  [ -x /usr/bin/chromium ] || echo "未安装 chromium：浏览器测试将被跳过（CI 中会安装）"
fi

step "ruff"
.venv/bin/ruff check . || status=1
step "import-linter（分层约定）"
.venv/bin/lint-imports || status=1
step "manage.py check --deploy（生产配置）"
JIUZHU_ENV=production DJANGO_SECRET_KEY="ci-$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9)-deploy-check-key-long-enough" \
  JIUZHU_FIELD_KEY="$($PY -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
  JIUZHU_HASH_KEY=ci-hash DJANGO_ALLOWED_HOSTS=jiuzhu.example.gov.cn DATABASE_URL=sqlite:///var/deploy-check.sqlite3 \
  $PY manage.py check --deploy --fail-level WARNING || status=1

# The two halves run side by side (each is one Python process; on two cores that halves the wall time, and
# they share nothing: SQLite's test database is in memory, PostgreSQL's is its own server). The PostgreSQL
# half's output follows the SQLite half's. JIUZHU_TEST_SERIAL=1 runs them one after the other.
export JIUZHU_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
pg_pid=""
trap '[ -z "$pg_pid" ] || kill "$pg_pid" 2>/dev/null' EXIT  # an interrupted run stops both halves
mkdir -p var
# Browser journeys: the desk viewport on SQLite, the phone viewport on PostgreSQL (tests/e2e/conftest.py), so
# each journey runs on both viewports once; a run with only one database, or JIUZHU_E2E_VIEWPORTS set, runs what
# it is told (unset there: both viewports).
sqlite_viewports="desk"; pg_viewports="phone"
# The PostgreSQL half acts as a production deployment's application role (README: not the tables' owner), so a
# statement only the owner may run fails here as in production (JIUZHU_TEST_APP_ROLE=1: conftest.APP_ROLE_RUN).
if pg_url=$(bash scripts/postgres.sh); then
  if [ "${JIUZHU_TEST_SERIAL:-}" != "1" ]; then
    JIUZHU_TEST_APP_ROLE=1 JIUZHU_E2E_VIEWPORTS="${JIUZHU_E2E_VIEWPORTS:-$pg_viewports}" DATABASE_URL="$pg_url" \
      .venv/bin/pytest "$@" > var/test-postgres.log 2>&1 &
    pg_pid=$!
  fi
else
  pg_url=""; sqlite_viewports="desk,phone"
  if [ "${CI:-}" = "true" ]; then echo "CI 必须在 PostgreSQL 上运行测试" >&2; status=1
  else echo "本机无法安装 PostgreSQL（需要 root）：只运行 SQLite 部分。"; fi
fi

step "测试：SQLite（浏览器旅程：${JIUZHU_E2E_VIEWPORTS:-$sqlite_viewports}）"
JIUZHU_E2E_VIEWPORTS="${JIUZHU_E2E_VIEWPORTS:-$sqlite_viewports}" .venv/bin/pytest "$@"
rc=$?; [ $rc -eq 0 ] || status=1

if [ -n "$pg_url" ]; then
  step "测试：PostgreSQL（浏览器旅程：${JIUZHU_E2E_VIEWPORTS:-$pg_viewports}）"
  if [ -n "$pg_pid" ]; then
    wait "$pg_pid"; rc=$?
    cat var/test-postgres.log
  else
    JIUZHU_TEST_APP_ROLE=1 JIUZHU_E2E_VIEWPORTS="${JIUZHU_E2E_VIEWPORTS:-$pg_viewports}" DATABASE_URL="$pg_url" \
      .venv/bin/pytest "$@"; rc=$?
  fi
  [ $rc -eq 0 ] || status=1
fi
echo; echo "用时 $(( $(date +%s) - started )) 秒"
exit $status
