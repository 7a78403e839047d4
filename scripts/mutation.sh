#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the guards in core and registry services and selectors. Not in CI: it
# runs the covering tests once per mutant (tens of minutes on 2 cores). Extra arguments go to `mutmut run`
# (mutant-name globs: `bash scripts/mutation.sh "jiuzhu.core.scoping.*" "jiuzhu.registry.services.x_grant_end*"`);
# the whole list in pyproject.toml is about 3,100 mutants, some 8 s each on 2 cores.
# Prints the survivors and, last, one JSON line with the counts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev || exit 1
.venv/bin/python -m pip install -q "mutmut>=3.8,<4" 2> >(grep -v "WARNING: Location" >&2)
export JIUZHU_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
rm -rf mutants
mkdir -p var
# The progress spinner rewrites one line thousands of times: keep it in a log, print the outcome.
.venv/bin/mutmut run "$@" > var/mutmut-run.log 2>&1
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
