#!/usr/bin/env bash
# The wheels of Poetry VERSION (and its dependencies), of uv (the version the
# tests pin) and of pip >= 26.1 that the tests install beside this plugin's wheel, into the Docker
# tests' images (Debian bookworm with its Python 3.11) and into a fresh
# virtualenv, downloaded once into .cache/poetry-wheels/poetry-VERSION, so that
# the tests themselves reach no public index: bash scripts/poetry-wheels.sh VERSION
# In other-platforms/, the wheels Poetry's dependencies take on Windows and macOS:
# `poetry self add` resolves Poetry's own environment for every platform, which
# the README's install test does against the tests' stand-in for PyPI.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$1"
target="$ROOT/.cache/poetry-wheels/poetry-$version"
uv="$(grep '^uv==' "$ROOT/requirements-test.txt")"
# Complete once it holds the wheels of this Poetry, of the uv the tests pin and
# of a pip that reads pylock.toml.
[ "$(cat "$target/complete" 2>/dev/null)" = "$uv pip other-platforms" ] && exit 0
rm -rf "$target"
mkdir -p "$target"
arch="$(uname -m)"
platforms=()
for glibc in $(seq 36 -1 5); do  # bookworm's glibc is 2.36
    platforms+=(--platform "manylinux_2_${glibc}_$arch")
done
platforms+=(--platform "manylinux2014_$arch" --platform "manylinux1_$arch")
echo "poetry-wheels: downloading Poetry $version for Python 3.11 ($arch) into $target" >&2
"$ROOT/.venv/bin/python" -m pip download -q --only-binary=:all: --python-version 3.11 \
    "${platforms[@]}" -d "$target" "poetry==$version" "$uv" "pip>=26.1"
download_for() {  # download_for UV_PLATFORM PIP_PLATFORM...: Poetry's wheels there
    local requirements="$target/other-platforms/$1.txt"
    "$ROOT/.venv/bin/uv" pip compile -q --python-platform "$1" --python-version 3.11 \
        --no-header --no-annotate -o "$requirements" - <<<"poetry==$version"
    shift
    local tags=()
    for tag in "$@" any; do tags+=(--platform "$tag"); done
    "$ROOT/.venv/bin/python" -m pip download -q --no-deps --only-binary=:all: \
        --python-version 3.11 "${tags[@]}" -d "$target/other-platforms" -r "$requirements"
}
mkdir -p "$target/other-platforms"
download_for windows win_amd64
download_for macos macosx_11_0_arm64 macosx_10_9_universal2 macosx_10_12_x86_64 \
    macosx_10_9_x86_64
echo "$uv pip other-platforms" >"$target/complete"
