"""Install speed: install-locked beside poetry install, export + pip and export + uv.

Four ways to install one lock file into a fresh virtualenv are timed on the same
machine, in alternation (A B C D, B C D A, ...):

- `poetry install-locked` in a directory holding poetry.lock alone;
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
printed and the results file is left as it is.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from dataclasses import dataclass
from dataclasses import field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import tomllib

from packaging.tags import sys_tags
from packaging.utils import canonicalize_name
from packaging.utils import parse_wheel_filename


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.index import PackageIndex
from tests.support.poetry_cli import POETRY
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set


if TYPE_CHECKING:
    from collections.abc import Sequence


CACHE = ROOT / "benchmarks" / ".cache" / "install-speed"
PEERS = CACHE / f"peers-poetry-{version('poetry')}"
PEER_REQUIREMENTS = [
    f"poetry=={version('poetry')}",
    "poetry-plugin-export==1.10.1",
    "uv==0.13.9",
    "pip==26.3",
    "matplotlib==3.11.2",
]
RESULTS = ROOT / "benchmarks" / "results" / "install_speed.json"
CHART = ROOT / "docs" / "install_speed.png"
SELECTION = ("--all-groups", "--all-extras")
SCENARIOS = ("cold", "warm", "no-op")
SCENARIO_TITLES = {
    "cold": "fresh venv, cold cache",
    "warm": "fresh venv, warm cache",
    "no-op": "no-op re-run",
}
# Runs a command and writes its peak RSS (KiB) to a file. A child's ru_maxrss
# starts from its parent's at fork, so the commands are forked from this small
# interpreter rather than from the benchmark process.
PEAK_RSS = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
# What Poetry prints once it has planned the work, before the first operation.
CONTENDERS = {
    "install-locked": "install-locked",
    "poetry": "poetry install --no-root",
    "export-pip": "export + pip",
    "export-uv": "export + uv",
}
PLANNED = ("Package operations:", "No dependencies to install or update")


@dataclass(frozen=True)
class Workload:
    dependencies: tuple[str, ...]
    rounds: int
    """Runs per contender and scenario: more where runs are short and noisy."""
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def pyproject(self, source_url: str) -> str:
        def strings(names: tuple[str, ...]) -> str:
            return ", ".join(f'"{name}"' for name in names)

        lines = [
            "[project]",
            'name = "bench"',
            'version = "0.1.0"',
            'requires-python = ">=3.11,<4"',
            f"dependencies = [{strings(self.dependencies)}]",
            "",
            "[project.optional-dependencies]",
            *(f"{name} = [{strings(deps)}]" for name, deps in self.extras.items()),
        ]
        for group, deps in self.groups.items():
            lines += ["", f"[tool.poetry.group.{group}.dependencies]"]
            lines += [f'{dep} = "*"' for dep in deps]
        lines += [
            "",
            "[[tool.poetry.source]]",
            'name = "bench"',
            f'url = "{source_url}"',
            'priority = "primary"',
            "",
            "[build-system]",
            'requires = ["poetry-core>=2.0"]',
            'build-backend = "poetry.core.masonry.api"',
        ]
        return "\n".join(lines) + "\n"


WORKLOADS = {
    "small": Workload(
        dependencies=(
            "fastapi",
            "uvicorn",
            "httpx",
            "sqlalchemy",
            "alembic",
            "jinja2",
            "rich",
            "typer",
            "requests",
            "pyyaml",
        ),
        groups={"dev": ("pytest",)},
        rounds=15,
    ),
    "large": Workload(
        dependencies=(
            "fastapi",
            "uvicorn[standard]",
            "sqlalchemy[asyncio]",
            "alembic",
            "httpx[http2]",
            "pydantic-settings",
            "celery[redis]",
            "django",
            "boto3",
            "requests",
            "rich",
            "typer",
            "structlog",
            "jinja2",
            "pyyaml",
            "orjson",
            "tenacity",
            "python-dateutil",
            "sentry-sdk",
            "psycopg[binary]",
            "click",
            "attrs",
            "cryptography",
            "pyjwt",
            "markdown",
        ),
        extras={"pandas": ("pandas",), "plots": ("matplotlib",)},
        groups={
            "dev": (
                "pytest",
                "pytest-cov",
                "mypy",
                "ruff",
                "black",
                "pre-commit",
                "hypothesis",
                "tox",
            ),
            "docs": ("sphinx", "furo", "myst-parser"),
            "notebook": ("jupyterlab",),
        },
        rounds=7,
    ),
}


# --- distributions, downloaded once ------------------------------------------------


def download_distributions(name: str, workload: Workload, poetry: Poetry) -> Path:
    """Lock against PyPI once, then keep one verified file of every locked package.

    A compatible wheel where there is one, else any wheel (a package only other
    platforms install still needs a file for the local lock), else the sdist.
    """
    cache = CACHE / name
    dists = cache / "dists"
    done = cache / "downloaded.json"
    if done.exists():
        return dists
    project = cache / "pypi-project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(
        workload.pyproject("https://pypi.org/simple/")
    )
    poetry.run("lock", cwd=project)
    packages = tomllib.loads((project / "poetry.lock").read_text())["package"]
    dists.mkdir(exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        names = list(pool.map(lambda p: _download(p, dists), packages))
    done.write_text(json.dumps(sorted(names), indent=1))
    return dists


def _download(package: dict[str, Any], directory: Path) -> str:
    tags = {str(tag): rank for rank, tag in enumerate(sys_tags())}

    def preference(filename: str) -> tuple[int, int]:
        if not filename.endswith(".whl"):
            return (2, 0)
        ranks = [tags.get(str(t), -1) for t in parse_wheel_filename(filename)[3]]
        compatible = [r for r in ranks if r >= 0]
        return (0, min(compatible)) if compatible else (1, 0)

    chosen = min(package["files"], key=lambda f: preference(f["file"]))
    target = directory / chosen["file"]
    if not target.exists():
        request = urllib.request.Request(
            f"https://pypi.org/simple/{package['name']}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
        url = next(f["url"] for f in files if f["filename"] == chosen["file"])
        with urllib.request.urlopen(url, timeout=300) as response:
            data = response.read()
        algorithm, expected = chosen["hash"].split(":", 1)
        if hashlib.new(algorithm, data).hexdigest() != expected:
            raise SystemExit(f"{chosen['file']}: hash mismatch")
        target.write_bytes(data)
    return str(chosen["file"])


def peers() -> Path:
    """A virtualenv with the peers, made once."""
    if not (PEERS / "done").exists():
        shutil.rmtree(PEERS, ignore_errors=True)
        subprocess.run(["python3", "-m", "venv", str(PEERS)], check=True)
        subprocess.run(
            [PEERS / "bin" / "pip", "-q", "install", *PEER_REQUIREMENTS], check=True
        )
        (PEERS / "done").write_text("")
    return PEERS / "bin"


# --- contenders --------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    rss_mb: float
    planned: float | None


@dataclass
class Contender:
    """One way to install the lock: its commands, its directory and its caches."""

    name: str
    home: Path
    directory: Path

    @property
    def venv(self) -> Path:
        return self.directory / ".venv"

    def env(self) -> dict[str, str]:
        return Poetry(self.home, {}).env(
            POETRY_VIRTUALENVS_IN_PROJECT="true",
            PIP_CACHE_DIR=str(self.home / "pip-cache"),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_CACHE_DIR=str(self.home / "uv-cache"),
        )

    def commands(self) -> list[list[str]]:
        poetry = [str(POETRY), "--no-ansi", "-n"]
        if self.name == "install-locked":
            return [[*poetry, "install-locked", *SELECTION]]
        if self.name == "poetry install --no-root":
            return [[*poetry, "install", "--no-root", *SELECTION]]
        bin_ = peers()
        python = str(self.venv / "bin" / "python")
        export = [
            str(bin_ / "poetry"),
            "--no-ansi",
            "-n",
            "export",
            *SELECTION,
            "-f",
            "requirements.txt",
            "-o",
            "requirements.txt",
        ]
        if self.name == "export + pip":
            venv = ["python3", "-m", "venv", "--without-pip", str(self.venv)]
            install = [str(bin_ / "pip"), "--python", python, "install"]
            install += ["--no-deps", "-r", "requirements.txt"]
        else:
            venv = [str(bin_ / "uv"), "venv", "-q", "--python", "python3", ".venv"]
            install = [str(bin_ / "uv"), "pip", "sync", "--python", python]
            install += ["requirements.txt"]
        return [export, *([venv] if not self.venv.exists() else []), install]

    def run(self, scenario: str) -> Run:
        if scenario != "no-op":
            shutil.rmtree(self.venv, ignore_errors=True)
        if scenario == "cold":
            shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True, exist_ok=True)
        os.sync()  # the deletions' writes must not land in the next timing
        start = time.perf_counter()
        rss = 0.0
        planned = None
        for command in self.commands():
            offset = time.perf_counter() - start
            step = _timed(command, self.directory, self.env())
            rss = max(rss, step.rss_mb)
            if step.planned is not None and planned is None:
                planned = offset + step.planned
        return Run(time.perf_counter() - start, rss, planned)


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run one command; its wall time, its largest process's peak RSS, and when
    Poetry said it had planned the work."""
    rss_file = cwd.parent / "peak-rss"
    start = time.perf_counter()
    process = subprocess.Popen(
        ["python3", "-I", "-S", "-c", PEAK_RSS, str(rss_file), *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    planned = None
    output = []
    for line in process.stdout:
        if planned is None and line.lstrip().startswith(PLANNED):
            planned = time.perf_counter() - start
        output.append(line)
    process.wait()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({process.returncode}) in {cwd}:\n"
            + "".join(output)
        )
    return Run(wall, int(rss_file.read_text()) / 1024, planned)


def prepare(
    name: str, workload: Workload, index: PackageIndex, work: Path
) -> list[Contender]:
    """Lock against the local index; one directory and one home per contender."""
    poetry = Poetry(work / "resolve-home", {})
    dists = download_distributions(name, workload, poetry)
    index.add_files(name, sorted(dists.iterdir()))
    project = work / name / "project"
    project.mkdir(parents=True)
    pyproject = workload.pyproject(index.simple_url(name))
    (project / "pyproject.toml").write_text(pyproject)
    poetry.run("lock", cwd=project)
    contenders = []
    for slug, contender in CONTENDERS.items():
        directory = work / name / slug / "project"
        directory.mkdir(parents=True)
        shutil.copy2(project / "poetry.lock", directory)
        if contender != "install-locked":
            shutil.copy2(project / "pyproject.toml", directory)
        contenders.append(Contender(contender, work / name / slug / "home", directory))
    return contenders


def check_same_set(contenders: list[Contender]) -> int:
    """All four installed the same locked distributions (Poetry also seeds pip)."""
    lock = tomllib.loads((contenders[0].directory / "poetry.lock").read_text())
    locked = {canonicalize_name(p["name"]) for p in lock["package"]}
    sets = {
        c.name: {(n, v) for n, v, _ in installed_set(c.venv) if n in locked}
        for c in contenders
    }
    reference = sets.get("poetry install --no-root", next(iter(sets.values())))
    for contender, installed in sets.items():
        if installed != reference:
            raise SystemExit(
                f"{contender} installed a different set:"
                f" {sorted(installed ^ reference)}"
            )
    return len(reference)


# --- the run -------------------------------------------------------------------------


def measure(
    contenders: list[Contender], rounds: int, scenarios: Sequence[str] = SCENARIOS
) -> dict[str, Any]:
    for contender in contenders:  # untimed: proves each works, fills the caches
        contender.run("cold")
    packages = check_same_set(contenders)
    runs: dict[str, dict[str, list[Run]]] = {
        c.name: {s: [] for s in scenarios} for c in contenders
    }
    for round_ in range(rounds):
        # Rotated (A B C D, B C D A, ...; two contenders simply A B A B): no
        # contender runs twice in a row, which here slows a cold run by seconds.
        shift = round_ % len(contenders) if len(contenders) > 2 else 0
        order = contenders[shift:] + contenders[:shift]
        for contender in order:
            for scenario in scenarios:
                runs[contender.name][scenario].append(contender.run(scenario))
        walls = (
            f"{c.name} "
            + "/".join(f"{runs[c.name][s][-1].wall:.1f}" for s in scenarios)
            for c in contenders
        )
        print(f"  round {round_ + 1} ({'/'.join(scenarios)} s): " + ", ".join(walls))
    return {
        "installed": packages,
        "rounds": rounds,
        "runs": {
            contender: {
                scenario: [
                    {"wall": r.wall, "rss_mb": r.rss_mb, "planned": r.planned}
                    for r in scenario_runs
                ]
                for scenario, scenario_runs in by_scenario.items()
            }
            for contender, by_scenario in runs.items()
        },
    }


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    bin_ = peers()
    uv = subprocess.run(
        [bin_ / "uv", "--version"], capture_output=True, text=True, check=True
    )
    return {
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": f"{int(memory) / 1024**2:.0f} GiB",
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "poetry": version("poetry"),
        "peers": ", ".join(PEER_REQUIREMENTS[1:4]),
        "uv": uv.stdout.strip(),
    }


# --- the report ----------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """Markdown: median (min-max) wall time and ratio to poetry install --no-root."""
    names = list(CONTENDERS.values())
    lines = [
        "| wall time, median (min-max), ratio | " + " | ".join(names) + " |",
        "| --- " * (len(names) + 1) + "|",
    ]
    rss = [
        "| peak RSS, median | " + " | ".join(names) + " |",
        "| --- " * (len(names) + 1) + "|",
    ]
    planned = [
        (
            "| until the first package operation, median (min-max)"
            f" | {names[0]} | {names[1]} |"
        ),
        "| --- | --- | --- |",
    ]
    for workload, data in results["workloads"].items():
        runs = data["runs"]
        for scenario in SCENARIOS:
            label = (
                f"{workload} ({data['installed']} packages, {data['rounds']} runs),"
                f" {SCENARIO_TITLES[scenario]}"
            )
            baseline = statistics.median(r["wall"] for r in runs[names[1]][scenario])
            cells = []
            for name in names:
                walls = [r["wall"] for r in runs[name][scenario]]
                median = statistics.median(walls)
                cells.append(
                    f"{_seconds(median)} ({_spread(walls)}), **{median / baseline:.2f}x**"
                )
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
            rss.append(
                f"| {label} | "
                + " | ".join(
                    f"{statistics.median(r['rss_mb'] for r in runs[name][scenario]):.0f} MB"
                    for name in names
                )
                + " |"
            )
            cells = []
            for name in names[:2]:
                times = [r["planned"] for r in runs[name][scenario]]
                cells.append(f"{_seconds(statistics.median(times))} ({_spread(times)})")
            planned.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n\n".join("\n".join(t) for t in (lines, rss, planned))


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _spread(values: list[float]) -> str:
    return "-".join(_seconds(v)[:-2] for v in (min(values), max(values)))


def chart(results_path: Path, png: Path) -> None:
    """Grouped bars per workload: scenarios, one bar per contender, min-max whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib import ticker

    results = json.loads(results_path.read_text())
    workloads = results["workloads"]
    names = list(CONTENDERS.values())
    figure, axes = plt.subplots(
        1, len(workloads), figsize=(6 * len(workloads), 4.5), squeeze=False
    )
    width = 0.8 / len(names)
    for axis, (workload, data) in zip(axes[0], workloads.items()):
        for i, name in enumerate(names):
            medians, low, high = [], [], []
            for scenario in SCENARIOS:
                walls = [r["wall"] for r in data["runs"][name][scenario]]
                median = statistics.median(walls)
                medians.append(median)
                low.append(median - min(walls))
                high.append(max(walls) - median)
            positions = [s + (i - (len(names) - 1) / 2) * width for s in range(3)]
            bars = axis.bar(
                positions, medians, width, yerr=[low, high], capsize=2, label=name
            )
            axis.bar_label(bars, fmt="%.1f", fontsize=6, padding=2)
        axis.set_xticks(range(3), [SCENARIO_TITLES[s] for s in SCENARIOS])
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.yaxis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.tick_params(axis="y", which="minor", labelsize=7)
        axis.set_ylabel("wall time (s, log scale)")
        axis.set_title(
            f"{workload} lock: {data['installed']} packages, {data['rounds']} runs"
        )
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].legend(fontsize="small")
    figure.suptitle("Installing one poetry.lock: median wall time, whiskers min-max")
    figure.tight_layout()
    figure.savefig(png, dpi=110)


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
    parser.add_argument("--chart", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chart:
        chart(*args.chart)
        return 0
    partial = bool(args.contenders or args.scenarios)

    work = Path(tempfile.mkdtemp(prefix="install-speed-"))
    index = PackageIndex(work / "index")
    index.start()
    results: dict[str, Any] = {"machine": machine()}
    results["workloads"] = {}
    try:
        for name in args.workloads or list(WORKLOADS):
            print(f"{name}: preparing", flush=True)
            contenders = [
                contender
                for slug, contender in zip(
                    CONTENDERS, prepare(name, WORKLOADS[name], index, work)
                )
                if slug in (args.contenders or CONTENDERS)
            ]
            rounds = args.rounds or WORKLOADS[name].rounds
            scenarios = [s for s in SCENARIOS if s in (args.scenarios or SCENARIOS)]
            results["workloads"][name] = measure(contenders, rounds, scenarios)
    finally:
        index.stop()
        shutil.rmtree(work, ignore_errors=True)
    if partial:  # a closer look at some cells: printed, the results file kept
        for name, data in results["workloads"].items():
            for contender, by_scenario in data["runs"].items():
                for scenario, runs in by_scenario.items():
                    walls = [r["wall"] for r in runs]
                    print(
                        f"{name}, {SCENARIO_TITLES[scenario]}, {contender}:"
                        f" {_seconds(statistics.median(walls))} ({_spread(walls)})"
                    )
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
