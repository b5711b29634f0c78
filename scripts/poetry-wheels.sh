#!/usr/bin/env bash
# The wheels of Poetry VERSION (and its dependencies), of uv (the version the
# tests pin) and of pip >= 26.1 that the tests install beside this plugin's wheel, into the Docker
# tests' images (Debian bookworm with its Python 3.11) and into a fresh
# virtualenv, downloaded once into .cache/poetry-wheels/poetry-VERSION, so that
# the tests themselves reach no public index: bash scripts/poetry-wheels.sh VERSION
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$1"
target="$ROOT/.cache/poetry-wheels/poetry-$version"
uv="$(grep '^uv==' "$ROOT/requirements-test.txt")"
# Complete once it holds the wheels of this Poetry, of the uv the tests pin and
# of a pip that reads pylock.toml.
[ "$(cat "$target/complete" 2>/dev/null)" = "$uv pip" ] && exit 0
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
echo "$uv pip" >"$target/complete"
