#!/usr/bin/env bash
# Sets up .venv and runs the offline demo of the Docker layer story: bash scripts/demo.sh
source "$(dirname "$0")/setup-venv.sh"
main_venv
cd "$ROOT"
exec "$VENV/bin/python" scripts/demo.py
