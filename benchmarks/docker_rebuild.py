"""The headline benchmark: rebuilding an image after a version bump.

An example web service with 50 real locked packages (FastAPI, pandas, SQLAlchemy,
boto3, ...) is built two ways: the classic Dockerfile from the Poetry docs
(`COPY pyproject.toml poetry.lock`, `poetry install --no-root`) and the
install-locked one (`COPY poetry.lock`, `poetry install-locked`). Then, several
times in alternation, the version is bumped and each image rebuilt; the median
rebuild time of each and their ratio are reported.

The distributions are downloaded once into benchmarks/.cache and served from a
package index on 127.0.0.1, so the numbers do not depend on a public network.
Needs a Docker engine (`bash scripts/docker-engine.sh` as root).

    .venv/bin/python benchmarks/docker_rebuild.py [--rounds 5]
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


def pyproject(source_url: str) -> str:
    dependencies = ", ".join(f'"{name}"' for name in DEPENDENCIES)
    return f"""\
[project]
name = "service"
version = "0.1.0"
requires-python = ">=3.11,<3.12"
dependencies = [{dependencies}]

[tool.poetry]
packages = [{{ include = "app" }}]

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
    if (CACHE / "resolved.json").exists():
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
    (CACHE / "resolved.json").write_text(
        json.dumps({p["name"]: p["version"] for p in packages}, indent=1)
    )
    return dists


def timed_build(
    docker: Docker, project: Path, recipe: str, tag: str, base: str, *, rebuild: bool
) -> float:
    """Seconds to build; on a rebuild after a bump, also check which layer was reused."""
    start = time.perf_counter()
    build = docker.build(project, recipe, tag, base)
    elapsed = time.perf_counter() - start
    locked = recipe == "basic.Dockerfile"
    step = "RUN poetry install-locked" if locked else "RUN poetry install --no-root"
    if rebuild and build.cached(step) != locked:
        raise SystemExit(f"{recipe}: unexpected cache state of {step!r} after a bump")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if problem := engine_problem():
        raise SystemExit(problem)

    work = Path(tempfile.mkdtemp(prefix="install-locked-bench-"))
    poetry = Poetry(work / "poetry-home", {})
    index = PackageIndex(work / "index")
    index.start()
    tags = {
        "classic.Dockerfile": "install-locked-bench/classic",
        "basic.Dockerfile": "install-locked-bench/install-locked",
    }
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
        packages = (project / "poetry.lock").read_text().count("[[package]]")

        first = {
            recipe: timed_build(docker, project, recipe, tag, base, rebuild=False)
            for recipe, tag in tags.items()
        }
        print(
            f"{packages} locked packages; first builds: "
            + ", ".join(f"{r} {t:.1f}s" for r, t in first.items()),
            flush=True,
        )

        rebuilds: dict[str, list[float]] = {recipe: [] for recipe in tags}
        for round_ in range(args.rounds):
            poetry.run("version", "patch", cwd=project)
            order = list(tags) if round_ % 2 == 0 else list(reversed(tags))
            for recipe in order:
                rebuilds[recipe].append(
                    timed_build(
                        docker, project, recipe, tags[recipe], base, rebuild=True
                    )
                )
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{r} {rebuilds[r][-1]:.1f}s" for r in tags),
                flush=True,
            )
        for recipe, tag in tags.items():
            assert Docker.run(tag).startswith("service 0.1."), recipe

        classic = statistics.median(rebuilds["classic.Dockerfile"])
        locked = statistics.median(rebuilds["basic.Dockerfile"])
        result = {
            "machine": f"{platform.machine()}, {_cpus()} cores, {platform.system()}"
            f" {platform.release()}",
            "docker": subprocess.run(
                ["/usr/bin/docker", "version", "--format", "{{.Server.Version}}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip(),
            "poetry": version("poetry"),
            "packages": packages,
            "rounds": args.rounds,
            "first_build_s": {r: round(t, 1) for r, t in first.items()},
            "rebuild_after_bump_s": {
                r: [round(t, 1) for t in ts] for r, ts in rebuilds.items()
            },
            "median_classic_s": round(classic, 1),
            "median_install_locked_s": round(locked, 1),
            "ratio": round(classic / locked, 1),
        }
        print(json.dumps(result, indent=1))
        print(
            f"\nrebuild after a version bump, median of {args.rounds}:"
            f" classic {classic:.1f}s, install-locked {locked:.1f}s,"
            f" {classic / locked:.1f}x faster"
        )
        return 0
    finally:
        docker.created.remove()
        index.stop()


def _cpus() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
