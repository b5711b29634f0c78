#!/usr/bin/env bash
# The test command: bash scripts/test.sh [pytest args]
#
# Sets up the virtualenvs, the Poetry wheels the tests install (and, as root, a
# Docker engine with its base image), runs ruff and mypy, then the test
# matrix, where every entry runs in a virtualenv of its own, two at a time:
#   - full: the whole suite, Docker recipes included, on the newest Poetry (the
#     recipes pin it), Python 3.11;
#   - e2e: the whole suite but the Docker recipes, on the oldest Poetry;
#   - differential: the unit, command and differential tests on the other
#     Pythons, 3.9, 3.10, 3.12 and 3.13, each with another Poetry minor, so that
#     every Python and every Poetry minor runs them.
# Every entry runs; a summary of each one's result follows, and the command fails
# if any failed. An interpreter this machine lacks is reported and skipped.
# MATRIX="e2e:3.11:2.5.1 differential:3.9:2.2.1" runs only the entries listed;
# pytest arguments go to every entry.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-venv.sh
set +e
fail() { echo "$*" >&2; exit 1; }

# Every Python and every Poetry minor of the supported range runs the
# differential tests at least once, and no pair twice: the whole suites cover
# Python 3.11 with the newest and the oldest Poetry, each other Python has a
# Poetry minor of its own (the two axes are independent: markers and the stdlib
# follow the Python, the internals the plugin relies on follow Poetry). Longest
# first: the pool of two then ends with short entries on both sides.
read -r minor21 minor22 minor23 minor24 <<<"$POETRY_MINORS"
DEFAULT_MATRIX="full:3.11:$POETRY_NEWEST e2e:3.11:$POETRY_OLDEST
differential:3.9:$POETRY_NEWEST_PY39 differential:3.10:$minor23
differential:3.12:$minor24 differential:3.13:$minor21"
[ "$minor22" = "$POETRY_NEWEST_PY39" ] || fail "test.sh: Poetry $minor22 has no entry"
WHOLE_RUN=$([ -z "${MATRIX:-}" ] && echo 1 || echo 0)
MATRIX="${MATRIX:-$DEFAULT_MATRIX}"
# What each kind of entry runs.
declare -A SELECT=(
    [full]=""
    [e2e]="not docker"
    [differential]="(differential and not whole_suite) or not (e2e or docker or docs)"
)
LOGS="$ROOT/.test-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS"
SUMMARY=()
FAILED=0
START=$SECONDS

main_venv || fail "test.sh: could not set up $VENV"
legacy_poetry || fail "test.sh: could not set up Poetry $POETRY_LEGACY"
"$VENV/bin/ruff" check . || FAILED=1
"$VENV/bin/ruff" format --check . || FAILED=1
"$VENV/bin/mypy" || FAILED=1
# The workflows, against GitHub's schema (which check-jsonschema carries).
"$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows \
    "$ROOT"/.github/workflows/*.yml || FAILED=1
# The release: an sdist and a wheel that pass twine check.
rm -rf "$ROOT/.cache/dist"
{ "$VENV/bin/python" -m build -q -o "$ROOT/.cache/dist" . >/dev/null &&
    "$VENV/bin/twine" check --strict "$ROOT"/.cache/dist/*; } || FAILED=1
SUMMARY+=("$([ $FAILED = 0 ] && echo PASS || echo FAIL)  ruff, ruff format, mypy, workflow schema, build, twine check")

# The README's first command on a fresh clone: the demo, run in a copy of the
# tree that has no .venv and no caches, must set up everything it needs itself.
demo_on_a_clean_copy() {
    local copy begin=$SECONDS verdict=PASS took
    copy="$(mktemp -d)"
    git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$copy"
    if ! bash "$copy/scripts/demo.sh" >"$LOGS/demo.log" 2>&1 </dev/null; then
        verdict=FAIL FAILED=1
        tail -n 30 "$LOGS/demo.log"
    fi
    rm -rf "$copy"
    took=$((SECONDS - begin))
    SUMMARY+=("$(printf '%s  demo, in a copy of the tree without .venv  %dm%02ds' \
        "$verdict" $((took / 60)) $((took % 60)))")
}
# The whole run checks it; a MATRIX of one's own skips it.
[ $WHOLE_RUN = 1 ] && demo_on_a_clean_copy

# The whole suites install Poetry's wheels beside the plugin's (into Docker
# images, and a fresh virtualenv): the set-up fetches them, the tests never do.
for entry in $MATRIX; do
    IFS=: read -r kind _ poetry <<<"$entry"
    [ "$kind" = differential ] && continue
    bash scripts/poetry-wheels.sh "$poetry" || fail "test.sh: no wheels of Poetry $poetry"
done
if [ "$(id -u)" = 0 ] && [[ " $MATRIX " == *" full:"* ]]; then
    # The Docker recipe tests need an engine; as root the script provides one.
    bash scripts/docker-engine.sh || fail "test.sh: no Docker engine"
    export REQUIRE_DOCKER=1
fi

# run_entry KIND PYTHON POETRY [pytest args]: one entry, its output in $LOGS.
run_entry() {
    local kind="$1" minor="$2" poetry="$3" python venv log
    shift 3
    log="$LOGS/$kind-py$minor-poetry-$poetry.log"
    python="$(find_python "$minor")"
    if [ -z "$python" ]; then
        echo "SKIP  $kind  Python $minor  Poetry $poetry: no python$minor on PATH or in pyenv" >"$log.result"
        return 0
    fi
    local begin=$SECONDS status
    {
        echo "==> $kind tests: Python $minor ($python), Poetry $poetry"
        if venv="$(matrix_venv "$python" "$poetry")"; then
            local select=()
            [ -n "${SELECT[$kind]}" ] && select=(-m "${SELECT[$kind]}")
            "$venv/bin/pytest" -p no:cacheprovider --durations=20 "${select[@]}" "$@"
        else
            echo "could not set up the venv"
            false
        fi
    } >>"$log" 2>&1
    status=$?
    local took=$((SECONDS - begin)) verdict=PASS
    [ $status = 0 ] || verdict=FAIL
    local last
    last="$(grep -E '(passed|failed|error|no tests ran)' "$log" | tail -1 | sed 's/=//g; s/^ *//')"
    printf '%s  %-12s  Python %-5s  Poetry %-6s  %3dm%02ds  %s\n' "$verdict" "$kind" \
        "$minor" "$poetry" $((took / 60)) $((took % 60)) "$last" >"$log.result"
    return $status
}

report() {
    local log="$1"
    cat "$log" 2>/dev/null
    SUMMARY+=("$(cat "$log.result")")
    grep -q '^FAIL' "$log.result" && FAILED=1
}

# The entries two at a time, each reported as it ends, the next started then.
declare -A running=()
wait_for_one() {
    local done
    wait -n -p done "${!running[@]}"
    report "${running[$done]}"
    unset "running[$done]"
}
for entry in $MATRIX; do
    IFS=: read -r kind minor poetry <<<"$entry"
    [ -n "${SELECT[$kind]+set}" ] || fail "test.sh: no kind of entry $kind in $entry"
    [ ${#running[@]} -ge 2 ] && wait_for_one
    run_entry "$kind" "$minor" "$poetry" "$@" &
    running[$!]="$LOGS/$kind-py$minor-poetry-$poetry.log"
done
while [ ${#running[@]} -gt 0 ]; do
    wait_for_one
done

echo
echo "==> Summary ($(((SECONDS - START) / 60)) min)"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
