#!/usr/bin/env bash
# Creates .venv with the pinned Python test environment (requirements-dev.txt).
# Idempotent: a stamp holding the hash of the requirement files makes a second run take a second.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

wanted=$(cat requirements-dev.txt pipeline-scripts/requirements.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "setup-python: $python must be Python >= 3.10 (set PYTHON=/path/to/python3)" >&2
  exit 1
fi

echo "setup-python: installing requirements-dev.txt into $venv (first run downloads torch, a few minutes)" >&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
