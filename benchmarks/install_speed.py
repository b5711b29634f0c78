"""Install speed: install-locked (with Poetry's executor and with uv) beside poetry install, export + pip and export + uv.

Five ways to install one lock file into a fresh virtualenv are timed on the same
machine, in rotation (A B C D E, B C D E A, ...):

- `poetry install-locked` in a directory holding poetry.lock alone;
- the same with `--installer uv`;
- `poetry install --no-root` in the full project;
- `poetry export` (poetry-plugin-export), a venv, `pip install --no-deps -r`;
- the same export, `uv venv`, `uv pip sync`.

Two workloads, a small lock (36 packages, 15 rounds) and a large one (208
packages with markers, extras and dependency groups; 7 rounds), each in three
scenarios: a fresh virtualenv with a cold package cache, a fresh one with a warm
cache, and a no-op re-run. Wall time, peak RSS and, for the two Poetry commands,
the time until Poetry starts its package operations are recorded. Real distributions are
downloaded from PyPI once into benchmarks/.cache and served from a package index
on 127.0.0.1, so the numbers do not depend on a public network. The peers
(poetry-plugin-export, uv, and matplotlib for the chart) live in a virtualenv of
their own under the same cache.

    .venv/bin/python benchmarks/install_speed.py [--rounds N] [--workload large]

With --contender or --scenario, a closer look at some cells: their figures are
printed and the results file is left as it is. With --baseline COMMIT,
install-locked's contenders also run with the plugin of that commit, beside the
same Poetry: before and after a change, in the same rotation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile

from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.index import PackageIndex

from benchmarks.report import chart
from benchmarks.report import machine
from benchmarks.report import medians
from benchmarks.report import table
from benchmarks.runner import CONTENDERS
from benchmarks.runner import SCENARIOS
from benchmarks.runner import measure
from benchmarks.runner import prepare
from benchmarks.workloads import WORKLOADS
from benchmarks.workloads import baseline_poetry
from benchmarks.workloads import peers


RESULTS = ROOT / "benchmarks" / "results" / "install_speed.json"
CHART = ROOT / "docs" / "install_speed.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, help="override each workload's")
    parser.add_argument(
        "--workload", action="append", choices=list(WORKLOADS), dest="workloads"
    )
    parser.add_argument(
        "--contender", action="append", choices=list(CONTENDERS), dest="contenders"
    )
    parser.add_argument(
        "--scenario", action="append", choices=SCENARIOS, dest="scenarios"
    )
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also run install-locked's contenders with the plugin of COMMIT",
    )
    parser.add_argument("--chart", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chart:
        chart(*args.chart)
        return 0
    partial = bool(args.contenders or args.scenarios or args.baseline)
    baseline = (
        (args.baseline, baseline_poetry(args.baseline)) if args.baseline else None
    )

    work = Path(tempfile.mkdtemp(prefix="install-speed-"))
    index = PackageIndex(work / "index")
    index.start()
    results: dict[str, Any] = {"machine": machine()}
    results["workloads"] = {}
    try:
        for name in args.workloads or list(WORKLOADS):
            print(f"{name}: preparing", flush=True)
            wanted = [CONTENDERS[slug] for slug in args.contenders or CONTENDERS]
            contenders = [
                contender
                for contender in prepare(name, WORKLOADS[name], index, work, baseline)
                if contender.kind in wanted
            ]
            rounds = args.rounds or WORKLOADS[name].rounds
            scenarios = [s for s in SCENARIOS if s in (args.scenarios or SCENARIOS)]
            results["workloads"][name] = measure(contenders, rounds, scenarios)
    finally:
        index.stop()
        shutil.rmtree(work, ignore_errors=True)
    if partial:  # a closer look at some cells: printed, the results file kept
        print(medians(results))
        return 0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    subprocess.run(
        [peers() / "python", __file__, "--chart", RESULTS, CHART], check=True
    )
    print(f"\n{table(results)}\n\nresults: {RESULTS}\nchart: {CHART}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
