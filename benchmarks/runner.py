"""The install-speed benchmark's runner: the contenders, each with its commands,
directory and caches; one timed run (wall time, peak RSS through a small
launcher, the time until Poetry starts its operations); and the rounds."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import time

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

import tomllib

from packaging.utils import canonicalize_name
from tests.support.poetry_cli import POETRY
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set

from benchmarks.workloads import download_distributions
from benchmarks.workloads import peers


if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from tests.support.index import PackageIndex

    from benchmarks.workloads import Workload


SELECTION = ("--all-groups", "--all-extras")
SCENARIOS = ("cold", "warm", "no-op")
CONTENDERS = {
    "install-locked": "install-locked",
    "install-locked-uv": "install-locked --installer uv",
    "poetry": "poetry install --no-root",
    "export-pip": "export + pip",
    "export-uv": "export + uv",
    "pylock-uv": "lock-slice to pylock.toml + uv",
}
# What Poetry prints once it has planned the work, before the first operation.
PLANNED = ("Package operations:", "No dependencies to install or update")
# Runs a contender's commands one after the other, stopping at a failure, and
# writes their peak RSS (KiB), when the first one started and each one's wall
# time to a file. A child's ru_maxrss starts from its parent's (kept through
# fork and exec), so the commands are started from this small interpreter rather
# than from the benchmark process; and from one per run, so that its own start
# (30 ms) counts once for every contender, whatever its number of commands.
LAUNCHER = """
import json, os, signal, sys, time
peak, steps, code, began = 0, [], 0, time.perf_counter()
for command in json.loads(sys.argv[2]):
    start = time.perf_counter()
    try:
        pid = os.posix_spawnp(command[0], command, os.environ)
    except OSError as e:
        sys.exit(f"cannot run {command[0]}: {e}")
    _, status, usage = os.wait4(pid, 0)
    steps.append(time.perf_counter() - start)
    peak = max(peak, usage.ru_maxrss)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        sys.exit(f"{command[0]} was killed by {signal.Signals(-code).name}")
    if code:
        break
with open(sys.argv[1], "w") as report:
    json.dump({"rss": peak, "began": began, "steps": steps}, report)
sys.exit(code)
"""


@dataclass
class Run:
    wall: float
    rss_mb: float
    planned: float | None
    steps: dict[str, float] = field(default_factory=dict)
    """Each command's wall time, by its name (`poetry export`, `uv venv`, ...)."""


@dataclass
class Contender:
    """One way to install the lock: its commands, its directory and its caches."""

    kind: str
    """What it runs: one of CONTENDERS' names."""
    home: Path
    directory: Path
    poetry: Path = POETRY
    """The Poetry, with the plugin beside it, that runs its Poetry commands."""
    label: str = ""
    """The commit of that plugin, where it is not the working tree's."""

    @property
    def name(self) -> str:
        return f"{self.kind} @ {self.label}" if self.label else self.kind

    @property
    def venv(self) -> Path:
        return self.directory / ".venv"

    def env(self) -> dict[str, str]:
        return Poetry(self.home, {}).env(
            POETRY_VIRTUALENVS_IN_PROJECT="true",
            PIP_CACHE_DIR=str(self.home / "pip-cache"),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_CACHE_DIR=str(self.home / "uv-cache"),
            UV_PREVIEW_FEATURES="pylock",
        )

    def commands(self) -> dict[str, list[str]]:
        """The run's commands, by the name its steps are reported under."""
        poetry = [str(self.poetry), "--no-ansi", "-n"]
        if self.kind == "install-locked":
            return {"poetry install-locked": [*poetry, "install-locked", *SELECTION]}
        if self.kind == "install-locked --installer uv":
            command = [*poetry, "install-locked", *SELECTION, "--installer", "uv"]
            return {"poetry install-locked": command}
        if self.kind == "poetry install --no-root":
            return {"poetry install": [*poetry, "install", "--no-root", *SELECTION]}
        bin_ = peers()
        python = str(self.venv / "bin" / "python")
        fresh = not self.venv.exists()
        uv_venv = [str(bin_ / "uv"), "venv", "-q", "--python", "python3", ".venv"]
        uv_sync = [str(bin_ / "uv"), "pip", "sync", "--python", python]
        if self.kind == "lock-slice to pylock.toml + uv":
            slice_ = [*poetry, "lock-slice", *SELECTION, "--format", "pylock"]
            slice_ += ["-o", "pylock.toml"]
            return {
                "poetry lock-slice": slice_,
                **({"uv venv": uv_venv} if fresh else {}),
                "uv pip sync": [*uv_sync, "pylock.toml"],
            }
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
        if self.kind == "export + pip":
            venv = ["python3", "-m", "venv", "--without-pip", str(self.venv)]
            install = [str(bin_ / "pip"), "--python", python, "install"]
            install += ["--no-deps", "-r", "requirements.txt"]
            return {
                "poetry export": export,
                **({"python3 -m venv": venv} if fresh else {}),
                "pip install": install,
            }
        return {
            "poetry export": export,
            **({"uv venv": uv_venv} if fresh else {}),
            "uv pip sync": [*uv_sync, "requirements.txt"],
        }

    def run(self, scenario: str) -> Run:
        if scenario != "no-op":
            shutil.rmtree(self.venv, ignore_errors=True)
        if scenario == "cold":
            shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True, exist_ok=True)
        os.sync()  # the deletions' writes must not land in the next timing
        return _timed(self.commands(), self.directory, self.env())


def _timed(commands: dict[str, list[str]], cwd: Path, env: dict[str, str]) -> Run:
    """Run the commands; their wall time, their largest process's peak RSS, when
    Poetry said it had planned the work (from the first command's start), and
    each command's wall time."""
    report = cwd.parent / "run-report"
    report.unlink(missing_ok=True)
    launcher = ["python3", "-I", "-S", "-c", LAUNCHER, str(report)]
    start = time.perf_counter()
    process = subprocess.Popen(
        [*launcher, json.dumps(list(commands.values()))],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    planned_at = None
    output = []
    for line in process.stdout:
        if planned_at is None and line.lstrip().startswith(PLANNED):
            planned_at = time.perf_counter()
        output.append(line)
    process.wait()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(
            f"{' && '.join(commands)} failed ({process.returncode}) in {cwd}:\n"
            + "".join(output)
        )
    measured = json.loads(report.read_text())
    # perf_counter is the system's monotonic clock: the same in both processes.
    planned = None if planned_at is None else planned_at - measured["began"]
    steps = dict(zip(commands, measured["steps"], strict=True))
    return Run(wall, measured["rss"] / 1024, planned, steps)


def prepare(
    name: str,
    workload: Workload,
    index: PackageIndex,
    work: Path,
    baseline: tuple[str, Path] | None = None,
) -> list[Contender]:
    """Lock against the local index; one directory and one home per contender.
    With a `baseline` (a commit, and the Poetry its plugin is installed beside),
    install-locked's contenders run twice: also by that plugin."""
    poetry = Poetry(work / "resolve-home", {})
    dists = download_distributions(name, workload, poetry)
    index.add_files(name, sorted(dists.iterdir()))
    project = work / name / "project"
    project.mkdir(parents=True)
    pyproject = workload.pyproject(index.simple_url(name))
    (project / "pyproject.toml").write_text(pyproject)
    poetry.run("lock", cwd=project)
    list_every_locked_file(index, name, project / "poetry.lock")
    contenders = []
    for slug, kind in CONTENDERS.items():
        contenders.append(_contender(work / name / slug, kind, project))
        if baseline is not None and slug.startswith("install-locked"):
            label, command = baseline
            before = _contender(work / name / f"{slug}@{label}", kind, project)
            contenders.append(dataclasses.replace(before, poetry=command, label=label))
    return contenders


def _contender(root: Path, kind: str, project: Path) -> Contender:
    directory = root / "project"
    directory.mkdir(parents=True)
    shutil.copy2(project / "poetry.lock", directory)
    if not kind.startswith(("install-locked", "lock-slice")):
        shutil.copy2(project / "pyproject.toml", directory)
    return Contender(kind, root / "home", directory)


def list_every_locked_file(index: PackageIndex, name: str, lock: Path) -> None:
    """The lock names every file of a release (PyPI's, kept in the lock); the
    local index serves one, downloaded. A pylock.toml names them all, at the URL
    their index lists them under: so the index lists each of the others too, as
    an empty file whose hash is not the lock's. No installer takes one: Poetry
    keeps the links whose hash the lock holds, uv the wheel of this platform (the
    one downloaded) over other platforms' and over an sdist."""
    files = index.root / name / "files"
    for package in tomllib.loads(lock.read_text())["package"]:
        missing = [
            f["file"]
            for f in package.get("files", [])
            if not (files / f["file"]).exists()
        ]
        for filename in missing:
            (files / filename).write_bytes(b"")
        if missing:
            index.refresh(name, package["name"])


def check_same_set(contenders: list[Contender]) -> int:
    """Every contender installed the same locked distributions (Poetry also seeds
    pip)."""
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
                    {
                        "wall": r.wall,
                        "rss_mb": r.rss_mb,
                        "planned": r.planned,
                        "steps": r.steps,
                    }
                    for r in scenario_runs
                ]
                for scenario, scenario_runs in by_scenario.items()
            }
            for contender, by_scenario in runs.items()
        },
    }
