# Sourced by the scripts: the virtualenvs that run the demo and the tests.
#
# main_venv: .venv, on python3, with the newest Poetry tested, this plugin
# (editable, so `poetry install-locked` is the working tree), the dev tools and
# uv. matrix_venv PYTHON POETRY_VERSION: a venv for one entry of the test matrix
# (that Python and that Poetry, this plugin, the test requirements), made with
# that uv, which takes seconds where pip takes a minute. The tests run the real
# `poetry` of their venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Poetry range the package declares: the oldest and the newest release
# tested, and the newest of each other minor.
POETRY_OLDEST=2.0.0
POETRY_NEWEST=2.5.1
POETRY_MINORS="2.1.4 2.2.1 2.3.4 2.4.3"
# Poetry >= 2.3 needs Python >= 3.10; on 3.9 the newest Poetry is:
POETRY_NEWEST_PY39=2.2.1
# The last Poetry 1.x, whose locks (lock-version 2.0) the exact slice reads:
# the tests lock a fixture with it.
POETRY_LEGACY=1.8.5
VENV="$ROOT/.venv"
# uv reaches the package index through the same certificate store as pip.
if [ -z "${SSL_CERT_FILE:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
fi

if ! command -v git >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq git >/dev/null
fi

main_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    "$VENV/bin/python" -m pip install -q "poetry==$POETRY_NEWEST" \
        -r "$ROOT/requirements-dev.txt" -e "$ROOT[uv]"
}

# The interpreter for Python X.Y: python3.X on PATH, else pyenv's newest 3.X.
find_python() {
    local found
    found="$(command -v "python$1" 2>/dev/null || true)"
    if [ -n "$found" ] && "$found" -c pass 2>/dev/null; then
        echo "$found"
        return
    fi
    local root
    root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    found="$(ls -d "$root"/versions/"$1".*/bin/"python$1" 2>/dev/null | sort -V | tail -1)"
    [ -n "$found" ] && echo "$found"
}

matrix_venv() {
    local python="$1" poetry="$2" venv
    local minor
    minor="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    venv="$ROOT/.venv-py$minor-poetry-$poetry"
    if [ ! -x "$venv/bin/python" ]; then
        "$VENV/bin/uv" venv -q --seed --python "$python" "$venv"
    fi
    "$VENV/bin/uv" pip install -q --python "$venv/bin/python" "poetry==$poetry" \
        -r "$ROOT/requirements-test.txt" -e "$ROOT[uv]"
    echo "$venv"
}

# legacy_poetry: Poetry $POETRY_LEGACY in .cache/poetry-$POETRY_LEGACY, on python3,
# and in its build-wheels/ what it installs with pip to build the metadata of a
# git or path dependency (the tests serve these, and their build backend).
legacy_poetry() {
    local venv="$ROOT/.cache/poetry-$POETRY_LEGACY"
    [ -f "$venv/complete" ] && return 0
    rm -rf "$venv"
    "$VENV/bin/uv" venv -q --python python3 "$venv"
    "$VENV/bin/uv" pip install -q --python "$venv/bin/python" "poetry==$POETRY_LEGACY"
    "$VENV/bin/python" -m pip download -q --only-binary=:all: -d "$venv/build-wheels" \
        "build==1.0.3" "pyproject_hooks==1.0.0" "pip"
    touch "$venv/complete"
}

# Run from a clean environment: an activated venv would redirect Poetry's installs.
unset VIRTUAL_ENV
