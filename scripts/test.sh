#!/usr/bin/env bash
# Sets up .venv and runs the checks and the whole test suite: bash scripts/test.sh [pytest args]
source "$(dirname "$0")/setup-venv.sh"
cd "$ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
"$VENV/bin/pytest" "$@"
