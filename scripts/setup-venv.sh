# Sourced by the scripts: creates (or updates) .venv with Poetry, this plugin
# (editable, so `poetry install-locked` is the working tree) and the dev tools.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if ! command -v git >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq git >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
fi
"$VENV/bin/python" -m pip install -q -r "$ROOT/requirements-dev.txt" -e "$ROOT"
# Run from a clean environment: an activated venv would redirect Poetry's installs.
unset VIRTUAL_ENV
