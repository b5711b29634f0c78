"""Writing a pylock.toml: `poetry lock-slice --format pylock` beside
`poetry export -f pylock.toml` (poetry-plugin-export), on one lock and index.

The large workload's lock (install_speed.py downloads its distributions once)
is served by a package index on 127.0.0.1 that lists every file the lock names,
answers each request after a network's latency (50 ms unless --latency says
otherwise), and sends PyPI's cache headers with its project pages (an ETag, and
`Cache-Control: max-age=600, public`). Each round runs, for each contender:

- cold: Poetry's cache deleted;
- warm: the cache of the cold run kept (within the pages' max-age);
- revalidated (lock-slice only): the pages of the cache stale (the index sends
  max-age=0), so that each is asked again and answered 304.

export runs beside pyproject.toml; lock-slice in a directory holding only the
lock. Wall time from a launcher's start to its end, and the index's requests.

    .venv/bin/python benchmarks/pylock_speed.py [--rounds N] [--latency S]
        [--baseline COMMIT]

With --baseline, lock-slice also runs with the plugin of that commit (cold and
warm).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile

from dataclasses import dataclass
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.index import PackageIndex
from tests.support.poetry_cli import POETRY
from tests.support.poetry_cli import Poetry

from benchmarks.report import machine
from benchmarks.runner import _timed
from benchmarks.runner import list_every_locked_file
from benchmarks.workloads import WORKLOADS
from benchmarks.workloads import baseline_poetry
from benchmarks.workloads import download_distributions
from benchmarks.workloads import peers


RESULTS = ROOT / "benchmarks" / "results" / "pylock_speed.json"
WORKLOAD = "large"
SELECTION = ("--all-groups", "--all-extras")
FRESH_FOR = 600  # seconds: PyPI's pages' max-age


@dataclass
class Contender:
    name: str
    directory: Path
    home: Path
    command: list[str]
    scenarios: tuple[str, ...]

    def run(self, scenario: str, index: PackageIndex) -> dict[str, Any]:
        index.max_age = 0 if scenario == "revalidated" else FRESH_FOR
        if scenario in ("cold", "revalidated"):
            shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True, exist_ok=True)
        env = Poetry(self.home, {}).env(POETRY_VIRTUALENVS_IN_PROJECT="true")
        if scenario == "revalidated":  # the cache filled with stale pages
            _timed({self.name: self.command}, self.directory, env)
        index.served.clear()
        index.revalidated.clear()
        run = _timed({self.name: self.command}, self.directory, env)
        return {
            "wall": run.wall,
            "rss_mb": run.rss_mb,
            "served": len(index.served),
            "revalidated": len(index.revalidated),
        }


def prepare(
    work: Path, index: PackageIndex, baseline: tuple[str, Path] | None
) -> list[Contender]:
    """The large workload locked against the local index, and the contenders."""
    poetry = Poetry(work / "resolve-home", {})
    dists = download_distributions(WORKLOAD, WORKLOADS[WORKLOAD], poetry)
    index.add_files(WORKLOAD, sorted(dists.iterdir()))
    project = work / "project"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        WORKLOADS[WORKLOAD].pyproject(index.simple_url(WORKLOAD))
    )
    poetry.run("lock", cwd=project)
    list_every_locked_file(index, WORKLOAD, project / "poetry.lock")

    def directory(name: str, *files: str) -> Path:
        path = work / name / "project"
        path.mkdir(parents=True)
        for file in files:
            shutil.copy2(project / file, path)
        return path

    pylock = ["--format", "pylock", "-o", "pylock.toml"]
    export = ["-f", "pylock.toml", "-o", "pylock.toml"]
    contenders = [
        Contender(
            "lock-slice",
            directory("lock-slice", "poetry.lock"),
            work / "lock-slice" / "home",
            [str(POETRY), "-n", "--no-ansi", "lock-slice", *SELECTION, *pylock],
            ("cold", "warm", "revalidated"),
        ),
        Contender(
            "export",
            directory("export", "poetry.lock", "pyproject.toml"),
            work / "export" / "home",
            [str(peers() / "poetry"), "-n", "--no-ansi", "export", *SELECTION, *export],
            ("cold", "warm"),
        ),
    ]
    if baseline is not None:
        baseline_label, poetry_of_baseline = baseline
        command = [str(poetry_of_baseline), *contenders[0].command[1:]]
        contenders.insert(
            1,
            Contender(
                f"lock-slice @ {baseline_label}",
                directory("baseline", "poetry.lock"),
                work / "baseline" / "home",
                command,
                ("cold", "warm"),
            ),
        )
    return contenders


def table(results: dict[str, Any]) -> str:
    """Markdown: median (min-max) wall time, its ratio to the export's, and the
    index's requests of a run."""
    runs = results["runs"]
    export = {
        s: statistics.median(r["wall"] for r in runs["export"][s])
        for s in runs["export"]
    }
    header = "| writing the pylock.toml | median (min-max) | against export | requests"
    lines = [f"{header}: full, 304 |", "| --- | --- | --- | --- |"]
    for name, by_scenario in runs.items():
        for scenario, scenario_runs in by_scenario.items():
            walls = [r["wall"] for r in scenario_runs]
            median = statistics.median(walls)
            reference = export.get(scenario, export["warm"])
            served = statistics.median(r["served"] for r in scenario_runs)
            revalidated = statistics.median(r["revalidated"] for r in scenario_runs)
            lines.append(
                f"| {name}, {scenario} ({len(walls)} runs) | {median:.2f} s"
                f" ({min(walls):.2f}-{max(walls):.2f}) | {median / reference:.2f}x"
                f" | {served:.0f}, {revalidated:.0f} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--baseline", metavar="COMMIT")
    args = parser.parse_args()
    baseline = (
        (args.baseline, baseline_poetry(args.baseline)) if args.baseline else None
    )

    work = Path(tempfile.mkdtemp(prefix="pylock-speed-"))
    index = PackageIndex(work / "index")
    index.start()
    try:
        contenders = prepare(work, index, baseline)
        index.latency = args.latency
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            c.name: {s: [] for s in c.scenarios} for c in contenders
        }
        for round_ in range(args.rounds):
            shift = round_ % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                for scenario in contender.scenarios:
                    runs[contender.name][scenario].append(
                        contender.run(scenario, index)
                    )
            print(f"  round {round_ + 1} done", flush=True)
        packages = (work / "project" / "poetry.lock").read_text().count("[[package]]")
    finally:
        index.stop()
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "machine": machine(),
        "latency": args.latency,
        "packages": packages,
        "rounds": args.rounds,
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\n{table(results)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
