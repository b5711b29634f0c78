"""This plugin's distributions, built from the working tree, and the Poetry wheels
the tests install beside them (into Docker images, or a fresh virtualenv)."""

from __future__ import annotations

import os
import subprocess
import sys

from importlib.metadata import version
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def poetry_wheels() -> Path:
    """The wheels of this suite's Poetry (and its dependencies) for Python 3.11,
    which scripts/poetry-wheels.sh downloads: the tests never do."""
    return ROOT / ".cache" / "poetry-wheels" / f"poetry-{version('poetry')}"


def poetry_wheels_problem() -> str | None:
    """Why the Poetry wheels cannot be used, or None."""
    if (poetry_wheels() / "complete").exists():
        return None
    return (
        f"no wheels of Poetry {version('poetry')} in {poetry_wheels()}: run"
        f" `bash scripts/poetry-wheels.sh {version('poetry')}`"
        " (bash scripts/test.sh does)"
    )


def build_plugin(directory: Path) -> list[Path]:
    """The sdist and the wheel, built as a release builds them, offline; or the
    release's own, where INSTALL_LOCKED_DISTS names their directory."""
    if released := os.environ.get("INSTALL_LOCKED_DISTS"):
        return sorted(Path(released).iterdir())
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "-o",
            str(directory),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return sorted(directory.iterdir())


def wheels_for_images(plugin_directory: Path) -> list[Path]:
    """What an image installs Poetry and the plugin from."""
    wheels = [p for p in build_plugin(plugin_directory) if p.suffix == ".whl"]
    return sorted(poetry_wheels().glob("*.whl")) + wheels
