#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the guards (scope, capability, status, audit write) in the service and selector
# files listed in pyproject.toml [tool.mutmut] only_mutate. Not in CI: it runs the covering tests once per mutant.
#
# Runs against PostgreSQL, not SQLite. mutmut forks one pytest run per mutant and times it out after
# (tests' own duration + timeout_constant) * timeout_multiplier seconds; on SQLite every forked run built its test
# database by migrating from scratch, longer than that, so every mutant "timed out". Here the test database is
# built once (pytest-django --reuse-db, given through PYTEST_ADDOPTS) and each mutant's run reuses it: its
# start-up costs a few seconds, which timeout_constant (pyproject) covers.
#
#   bash scripts/mutation.sh                                  # every file in only_mutate (about 3,100 mutants: hours)
#   bash scripts/mutation.sh "jiuzhu.funds.services.*"        # mutant-name globs, passed to `mutmut run`
#   MUTATION_TESTS=jiuzhu/funds/tests bash scripts/mutation.sh "jiuzhu.funds.services.*"
#       # only those test folders of pytest_add_cli_args_test_selection run (the others are deselected):
#       # the first, unmutated run that maps tests to functions then takes a minute, not the four apps' suites
#
#   MUTATION_TESTS=jiuzhu/funds/tests PYTEST_ADDOPTS="-k 'payment_guards or rolls'" bash scripts/mutation.sh \
#       "jiuzhu.funds.services.x_township_*"   # fewer tests still (pytest -k) and a few functions' mutants
#
# Environment:
#   DATABASE_URL            default postgres://postgres@127.0.0.1:${PGPORT:-54329}/jz_mut (scripts/postgres.sh starts
#                           the server); the test database is test_<name>, kept between runs (--create-db rebuilds it)
#   MUTATION_MAX_CHILDREN   mutants tested at once, default 1 (2 shared cores; the forked runs share one test DB)
#   MUTATION_TESTS          space-separated test folders to keep from the selection (default: all of it)
#   MUTATION_SKIP_BOOTSTRAP=1  do not run scripts/bootstrap.sh (a worktree whose .venv is another checkout's)
# Prints the survivors and, last, one JSON line with the counts; the full log is var/mutmut-run.log.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MUTATION_SKIP_BOOTSTRAP:-}" ]; then
  bash scripts/bootstrap.sh dev || exit 1
fi
.venv/bin/python -c "import mutmut" 2>/dev/null \
  || .venv/bin/python -m pip install -q "mutmut>=3.8,<4" 2> >(grep -v "WARNING: Location" >&2)
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/postgres.sh >/dev/null || { echo "PostgreSQL 未能启动" >&2; exit 1; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:${PGPORT:-54329}/jz_mut"
fi
case "$DATABASE_URL" in
  postgres*) ;;
  *) echo "变异测试需在 PostgreSQL 上运行（SQLite 每个变异体都要重建测试库，全部超时）：DATABASE_URL=$DATABASE_URL" >&2; exit 1 ;;
esac
export JIUZHU_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# pytest reads PYTEST_ADDOPTS in mutmut's in-process runs too: keep the one test database.
ignore=""
if [ -n "${MUTATION_TESTS:-}" ]; then
  ignore=$(MUTATION_TESTS="$MUTATION_TESTS" .venv/bin/python - <<'PY'
import os, tomllib
keep = os.environ["MUTATION_TESTS"].split()
selection = tomllib.load(open("pyproject.toml", "rb"))["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]
# --deselect drops every test whose id starts with the path (--ignore cannot drop a path given as an argument)
print(" ".join(f"--deselect={path.rstrip('/')}" for path in selection
               if not any(path.rstrip("/") == k.rstrip("/") for k in keep)))
PY
)
fi
export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --reuse-db $ignore"
rm -rf mutants
mkdir -p var
# The progress spinner rewrites one line thousands of times: keep it in a log, print the outcome.
.venv/bin/mutmut run --max-children "${MUTATION_MAX_CHILDREN:-1}" "$@" > var/mutmut-run.log 2>&1
tail -c 300 var/mutmut-run.log | tr '\r' '\n' | tail -2
.venv/bin/mutmut results > var/mutmut-results.txt 2>&1 || true
.venv/bin/mutmut export-cicd-stats >/dev/null 2>&1 || true
echo "存活的变异体（survived）："
grep -E "survived|no tests" var/mutmut-results.txt || echo "（无）"
.venv/bin/python - <<'PY'
import json
from pathlib import Path
stats = Path("mutants/mutmut-cicd-stats.json")
print(json.dumps(json.loads(stats.read_text()) if stats.exists() else {"error": "no stats"}, ensure_ascii=False))
PY
