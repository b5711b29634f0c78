# Sourced by the scripts: creates (or updates) a venv with Poetry $POETRY_VERSION,
# this plugin (editable, so `poetry install-locked` is the working tree) and the
# dev tools. The tests run the real `poetry` of that venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Poetry range the package declares, oldest and newest release tested.
POETRY_OLDEST=2.0.0
POETRY_NEWEST=2.5.1
POETRY_VERSION="${POETRY_VERSION:-$POETRY_NEWEST}"
if [ "$POETRY_VERSION" = "$POETRY_NEWEST" ]; then
    VENV="${VENV:-$ROOT/.venv}"
else
    VENV="${VENV:-$ROOT/.venv-poetry-$POETRY_VERSION}"
fi
PYTHON="${PYTHON:-python3}"

if ! command -v git >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq git >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
fi
"$VENV/bin/python" -m pip install -q "poetry==$POETRY_VERSION" \
    -r "$ROOT/requirements-dev.txt" -e "$ROOT"
# Run from a clean environment: an activated venv would redirect Poetry's installs.
unset VIRTUAL_ENV
