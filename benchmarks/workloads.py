"""The install-speed benchmark's workloads: two locks' worth of real packages,
downloaded once from PyPI (one verified file per locked package) into
benchmarks/.cache, and the peers' virtualenv (poetry-plugin-export, uv, pip,
matplotlib), made once."""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import urllib.request

from dataclasses import dataclass
from dataclasses import field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import tomllib

from packaging.tags import sys_tags
from packaging.utils import parse_wheel_filename


if TYPE_CHECKING:
    from tests.support.poetry_cli import Poetry


ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "install-speed"
PEERS = CACHE / f"peers-poetry-{version('poetry')}"
PEER_REQUIREMENTS = [
    f"poetry=={version('poetry')}",
    "poetry-plugin-export==1.10.1",
    "uv==0.13.9",
    "pip==26.3",
    "matplotlib==3.11.2",
]


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


def baseline_poetry(commit: str) -> Path:
    """The poetry command of a virtualenv, made once, with this Poetry and the
    plugin (with its uv extra) of `commit`: what a change is measured against."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=12", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    venv = CACHE / f"baseline-{sha}-poetry-{version('poetry')}"
    if not (venv / "done").exists():
        shutil.rmtree(venv, ignore_errors=True)
        source = venv / "source"
        source.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tree:
            tree.extractall(source, filter="data")
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        plugin = f"{source}[uv]"
        subprocess.run(
            [
                venv / "bin" / "pip",
                "-q",
                "install",
                f"poetry=={version('poetry')}",
                plugin,
            ],
            check=True,
        )
        (venv / "done").write_text("")
    return venv / "bin" / "poetry"


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
