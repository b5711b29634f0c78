"""The headline benchmarks: rebuilding an image after a version bump, and after a
dev-only lock change.

An example web service with 50 real locked packages (FastAPI, pandas, SQLAlchemy,
boto3, ...) and a dev group is built three ways: the classic Dockerfile from the
Poetry docs (`COPY pyproject.toml poetry.lock`, `poetry install --no-root`), the
two-layer one (`COPY poetry.lock`, `poetry install-locked`), and the slice one
(a stage runs `poetry lock-slice --only main`, production copies the slice and
runs `poetry install-locked`). Then, several times in rotation, each scenario's
change is made and each image rebuilt; the build output is checked for which
layers were reused, and the median rebuild times and their ratios are reported:

- version bump: `poetry version patch` (poetry.lock unchanged);
- dev-only lock change: the dev group's iniconfig pinned to another release and
  `poetry lock` run (poetry.lock changes; nothing production installs does).

The distributions are downloaded once into benchmarks/.cache and served from a
package index on 127.0.0.1, so the numbers do not depend on a public network.
Needs a Docker engine (`bash scripts/docker-engine.sh` as root).

    .venv/bin/python benchmarks/docker_rebuild.py [--rounds 5] [--scenario dev-only]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from importlib.metadata import version
from pathlib import Path
from typing import Any

import tomllib


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.distributions import wheels_for_images
from tests.support.docker import BASE_IMAGE
from tests.support.docker import Created
from tests.support.docker import Docker
from tests.support.docker import derive_base_image
from tests.support.docker import engine_problem
from tests.support.index import PackageIndex
from tests.support.poetry_cli import Poetry


CACHE = ROOT / "benchmarks" / ".cache" / "docker-rebuild"
RESULTS = ROOT / "benchmarks" / "results" / "docker_rebuild.json"
DEPENDENCIES = [
    "fastapi",
    "uvicorn",
    "pydantic-settings",
    "sqlalchemy",
    "alembic",
    "httpx",
    "pandas",
    "jinja2",
    "python-multipart",
    "structlog",
    "rich",
    "typer",
    "orjson",
    "tenacity",
    "redis",
    "requests",
    "pyyaml",
    "python-dateutil",
    "boto3",
]
MAIN = """\
from importlib.metadata import version

import boto3, fastapi, httpx, pandas, sqlalchemy  # noqa: F401, E401

print(f"service {version('service')} ok")
"""


# A dev-only change per round: the dev group pins another release of iniconfig.
DEV_TOOL = "iniconfig"
DEV_TOOL_VERSIONS = ["1.0.1", "1.1.1", "2.0.0", "2.1.0", "2.2.0", "2.3.0"]
RECIPES = {
    "classic.Dockerfile": "classic",
    "basic.Dockerfile": "install-locked",
    "slice.Dockerfile": "slice",
}
# The step each recipe's dependency layer is installed by, and whether each
# scenario must leave it cached.
DEPENDENCY_STEP = {
    "classic.Dockerfile": "RUN poetry install --no-root",
    "basic.Dockerfile": "RUN poetry install-locked",
    "slice.Dockerfile": "RUN poetry install-locked",
}
CACHED = {
    "version-bump": {
        "classic.Dockerfile": False,
        "basic.Dockerfile": True,
        "slice.Dockerfile": True,
    },
    "dev-only": {
        "classic.Dockerfile": False,
        "basic.Dockerfile": False,
        "slice.Dockerfile": True,
    },
}


def pyproject(source_url: str, dev_tool: str = DEV_TOOL_VERSIONS[0]) -> str:
    dependencies = ", ".join(f'"{name}"' for name in DEPENDENCIES)
    return f"""\
[project]
name = "service"
version = "0.1.0"
requires-python = ">=3.11,<3.12"
dependencies = [{dependencies}]

[tool.poetry]
packages = [{{ include = "app" }}]

[tool.poetry.group.dev.dependencies]
pytest = "*"
{DEV_TOOL} = "=={dev_tool}"

[[tool.poetry.source]]
name = "bench"
url = "{source_url}"
priority = "primary"

[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
"""


def write_project(directory: Path, source_url: str) -> None:
    (directory / "app").mkdir(parents=True)
    (directory / "app" / "__init__.py").write_text("")
    (directory / "app" / "__main__.py").write_text(MAIN)
    (directory / ".dockerignore").write_text(".venv\n")
    (directory / "pyproject.toml").write_text(pyproject(source_url))


def pip(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *map(str, args)], check=True)


def download_distributions(poetry: Poetry, work: Path) -> Path:
    """Resolve against PyPI once, then keep one file of each locked package."""
    dists = CACHE / "dists"
    done = CACHE / "resolved-with-dev.json"
    if done.exists():
        return dists
    project = work / "resolve"
    write_project(project, "https://pypi.org/simple/")
    poetry.run("lock", cwd=project)
    packages = tomllib.loads((project / "poetry.lock").read_text())["package"]
    for package in packages:
        pip(
            "download",
            "--no-deps",
            "-d",
            dists,
            f"{package['name']}=={package['version']}",
        )
    for dev_tool in DEV_TOOL_VERSIONS:
        pip("download", "--no-deps", "-d", dists, f"{DEV_TOOL}=={dev_tool}")
    done.write_text(json.dumps({p["name"]: p["version"] for p in packages}, indent=1))
    return dists


def timed_build(
    docker: Docker, project: Path, recipe: str, base: str, scenario: str | None
) -> float:
    """Seconds to build; after a scenario's change, also check which layers the
    builder reused."""
    start = time.perf_counter()
    build = docker.build(project, recipe, TAGS[recipe], base)
    elapsed = time.perf_counter() - start
    if scenario is not None:
        step = DEPENDENCY_STEP[recipe]
        if build.cached(step) != CACHED[scenario][recipe]:
            raise SystemExit(
                f"{recipe}: unexpected cache state of {step!r} ({scenario})"
            )
        if recipe == "slice.Dockerfile" and build.cached("RUN poetry lock-slice") != (
            scenario == "version-bump"
        ):
            raise SystemExit(
                f"{recipe}: unexpected cache state of the slicer ({scenario})"
            )
    return elapsed


TAGS = {recipe: f"install-locked-bench/{name}" for recipe, name in RECIPES.items()}


def change(scenario: str, project: Path, round_: int, poetry: Poetry) -> None:
    if scenario == "version-bump":
        lock = (project / "poetry.lock").read_bytes()
        poetry.run("version", "patch", cwd=project)
        assert (project / "poetry.lock").read_bytes() == lock
        return
    text = (project / "pyproject.toml").read_text()
    version_ = DEV_TOOL_VERSIONS[1 + round_ % (len(DEV_TOOL_VERSIONS) - 1)]
    current = f'{DEV_TOOL} = "=='
    start = text.index(current) + len(current)
    text = text[:start] + version_ + text[text.index('"', start) :]
    (project / "pyproject.toml").write_text(text)
    lock = (project / "poetry.lock").read_bytes()
    poetry.run("lock", cwd=project)
    assert (project / "poetry.lock").read_bytes() != lock


def measure(
    scenario: str,
    rounds: int,
    docker: Docker,
    project: Path,
    base: str,
    poetry: Poetry,
) -> dict[str, list[float]]:
    rebuilds: dict[str, list[float]] = {recipe: [] for recipe in RECIPES}
    for round_ in range(rounds):
        change(scenario, project, round_, poetry)
        order = list(RECIPES)
        order = order[round_ % len(order) :] + order[: round_ % len(order)]
        for recipe in order:
            rebuilds[recipe].append(
                timed_build(docker, project, recipe, base, scenario)
            )
        print(
            f"{scenario}, round {round_ + 1}: "
            + ", ".join(f"{RECIPES[r]} {rebuilds[r][-1]:.1f}s" for r in RECIPES),
            flush=True,
        )
    return rebuilds


def table(results: dict[str, Any]) -> str:
    """Markdown: per scenario, each recipe's median rebuild (its runs) and the
    classic recipe's median divided by it."""
    lines = [
        "| rebuild after | " + " | ".join(RECIPES.values()) + " |",
        "| --- " * (len(RECIPES) + 1) + "|",
    ]
    for scenario, title in SCENARIOS.items():
        if scenario not in results["rebuilds"]:
            continue
        runs = results["rebuilds"][scenario]
        classic = statistics.median(runs["classic.Dockerfile"])
        cells = []
        for recipe in RECIPES:
            median = statistics.median(runs[recipe])
            times = ", ".join(f"{t:.1f}" for t in runs[recipe])
            cells.append(f"**{median:.1f} s** ({times}), {classic / median:.1f}x")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


SCENARIOS = {
    "version-bump": "a version bump (`poetry version patch`)",
    "dev-only": "a dev-only lock change (a dev tool re-pinned, `poetry lock`)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    parser.add_argument("--table", action="store_true", help="print the last results")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(RESULTS.read_text())))
        return 0
    if problem := engine_problem():
        raise SystemExit(problem)

    work = Path(tempfile.mkdtemp(prefix="install-locked-bench-"))
    poetry = Poetry(work / "poetry-home", {})
    index = PackageIndex(work / "index")
    index.start()
    # What the benchmark builds goes afterwards, and nothing else.
    docker = Docker(buildkit=True, created=Created.begin())
    try:
        dists = sorted(download_distributions(poetry, work).iterdir())
        index.add_files("bench", dists)
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "poetry-wheels.sh"), version("poetry")],
            check=True,
        )
        index.add_files("pypi", wheels_for_images(work / "plugin"))
        base = derive_base_image(
            BASE_IMAGE,
            f"install-locked-bench/base:{index.port}",
            index.simple_url("pypi"),
        )
        docker.created.images.append(base)
        base = docker.isolated_base(base)  # first builds are first builds
        project = work / "service"
        write_project(project, index.simple_url("bench"))
        poetry.run("lock", cwd=project)
        lock = tomllib.loads((project / "poetry.lock").read_text())["package"]
        main_packages = sum("main" in p["groups"] for p in lock)

        first = {
            recipe: timed_build(docker, project, recipe, base, None)
            for recipe in RECIPES
        }
        print(
            f"{len(lock)} locked packages ({main_packages} in main); first builds: "
            + ", ".join(f"{RECIPES[r]} {t:.1f}s" for r, t in first.items()),
            flush=True,
        )
        rebuilds = {
            scenario: measure(scenario, args.rounds, docker, project, base, poetry)
            for scenario in args.scenario or list(SCENARIOS)
        }
        for recipe, tag in TAGS.items():
            assert Docker.run(tag).startswith("service 0.1."), recipe

        results = {
            "machine": f"{platform.machine()}, {_cpus()} cores, {platform.system()}"
            f" {platform.release()}",
            "docker": subprocess.run(
                ["/usr/bin/docker", "version", "--format", "{{.Server.Version}}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip(),
            "poetry": version("poetry"),
            "packages": len(lock),
            "main_packages": main_packages,
            "rounds": args.rounds,
            "first_build_s": {RECIPES[r]: round(t, 1) for r, t in first.items()},
            "rebuilds": {
                scenario: {r: [round(t, 1) for t in ts] for r, ts in runs.items()}
                for scenario, runs in rebuilds.items()
            },
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(f"\n{table(results)}\n\nresults: {RESULTS}")
        return 0
    finally:
        docker.created.remove()
        index.stop()


def _cpus() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
