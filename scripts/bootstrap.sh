#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs the project (with test extras when asked).
# Re-running reuses the environment; it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "需要 Python 3.11（当前：$("$PY" --version 2>&1)）" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    echo "python3 -m venv 不可用，安装 python3-venv ..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; fi
    rm -rf .venv && "$PY" -m venv .venv
  fi
fi
want="$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
stamp=.venv/.jiuzhu-installed
if [ ! -f "$stamp" ] || ! grep -qx -- "$want" "$stamp"; then
  .venv/bin/python -m pip install -q --upgrade pip wheel "setuptools<81" 2> >(grep -v "WARNING: Location" >&2)
  .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}" 2> >(grep -v -e "WARNING: Location" -e "BuildBackendWarning" >&2)
  # face_recognition needs dlib, which dlib-bin (pyproject) provides prebuilt: --no-deps keeps pip from compiling it.
  .venv/bin/python -m pip install -q --no-deps face_recognition==1.3.0 face_recognition_models==0.3.0 \
    2> >(grep -v "WARNING: Location" >&2)
  echo "$want" >> "$stamp"
fi
