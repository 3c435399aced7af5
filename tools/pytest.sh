#!/usr/bin/env bash
# Runs the Python test suite in the project's virtual environment (see tools/setup-python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest tests/python "$@"
