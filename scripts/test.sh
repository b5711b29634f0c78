#!/usr/bin/env bash
# Sets up the venvs (and, as root, a Docker engine) and runs the checks and the whole
# test suite on the newest and the oldest supported Poetry: bash scripts/test.sh [pytest args]
# POETRY_VERSIONS="2.5.1" limits the run to the versions listed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-venv.sh
if [ "$(id -u)" = 0 ]; then
    # The Docker recipe tests need an engine; as root the script provides one.
    bash scripts/docker-engine.sh
    export REQUIRE_DOCKER=1
fi
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
for version in ${POETRY_VERSIONS:-$POETRY_NEWEST $POETRY_OLDEST}; do
    echo "==> tests with Poetry $version"
    POETRY_VERSION="$version" VENV="" bash -c '
        source scripts/setup-venv.sh
        exec "$VENV/bin/pytest" "$@"' _ "$@"
done
