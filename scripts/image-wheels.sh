#!/usr/bin/env bash
# The wheels the Docker tests' images install Poetry VERSION from, downloaded once
# into .cache/image-wheels/poetry-VERSION: the tests serve them (with this
# plugin's wheel, built from the working tree) from their index on 127.0.0.1, so
# that the tests themselves reach no public index. The images are Debian bookworm
# with its Python 3.11: bash scripts/image-wheels.sh VERSION
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
version="$1"
target="$ROOT/.cache/image-wheels/poetry-$version"
[ -f "$target/complete" ] && exit 0
rm -rf "$target"
mkdir -p "$target"
arch="$(uname -m)"
platforms=()
for glibc in $(seq 36 -1 5); do  # bookworm's glibc is 2.36
    platforms+=(--platform "manylinux_2_${glibc}_$arch")
done
platforms+=(--platform "manylinux2014_$arch" --platform "manylinux1_$arch")
echo "image-wheels: downloading Poetry $version for Python 3.11 ($arch) into $target" >&2
"$ROOT/.venv/bin/python" -m pip download -q --only-binary=:all: --python-version 3.11 \
    "${platforms[@]}" -d "$target" "poetry==$version"
touch "$target/complete"
