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

# The tests unpack the code bundle as SageMaker does, with tarfile's extraction filters (3.10.12, 3.11.4, 3.12+).
if ! "$python" -c 'import sys, tarfile; sys.exit(sys.version_info < (3, 10) or not hasattr(tarfile, "data_filter"))' 2>/dev/null; then
  echo "setup-python: $python ($("$python" --version 2>&1)) is too old: the tests need Python >= 3.10.12 (3.11.4, 3.12) with tarfile extraction filters; set PYTHON=/path/to/python3" >&2
  exit 1
fi

echo "setup-python: installing requirements-dev.txt into $venv (first run downloads torch, a few minutes)" >&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
