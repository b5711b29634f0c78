"""The real `poetry` executable in a subprocess, in a hermetic environment."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

from dataclasses import dataclass
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from tests.support import venvs


if TYPE_CHECKING:
    from collections.abc import Mapping


BIN = Path(sys.executable).parent
POETRY = venvs.command(BIN, "poetry")
ROOT = Path(__file__).resolve().parents[2]
# Poetry 1.8 in a virtualenv of its own (scripts/setup-venv.sh: legacy_poetry),
# which writes the lock-version 2.0 locks of Poetry 1.5 to 1.8.
LEGACY_VENV = ROOT / ".cache" / "poetry-1.8.5"
LEGACY_POETRY = venvs.command(venvs.scripts(LEGACY_VENV), "poetry")
# The interpreter this suite runs on (its venv's base), which Poetry must find as
# `python3` for the virtualenvs it creates: the matrix runs the suite on several.
# A venv's python.exe on Windows is a launcher, not a link to resolve.
PYTHON = (
    Path(getattr(sys, "_base_executable", sys.executable))
    if venvs.WINDOWS
    else Path(sys.executable).resolve()
)

# A background job's shell ignores SIGINT and SIGQUIT, and nohup SIGHUP; the
# child inherits that. The commands under test get the default dispositions,
# as from an interactive shell, whatever this process ignores (of the signals
# this platform has). Not on Windows, where os.execv starts another process
# whose exit status is lost: there poetry runs directly.
DEFAULT_SIGNALS = """
import os, signal, sys
for name in ("SIGINT", "SIGQUIT", "SIGHUP", "SIGTERM"):
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])
"""

# What installs the packages: Poetry's executor, or uv (`--installer uv`).
INSTALLERS = ("poetry", "uv")

INSTALLED_SET_SCRIPT = """
import importlib.metadata as metadata, json
rows = []
for dist in metadata.distributions():
    direct_url = dist.read_text("direct_url.json")
    rows.append([dist.metadata["Name"], dist.version, json.loads(direct_url) if direct_url else None])
print(json.dumps(rows))
"""

Installed = frozenset[tuple[str, str, str]]


@cache
def python_on_path() -> Path:
    """The directory that puts PYTHON first on the commands' PATH, made on first
    use (not when collected): links named `python3` and `python` to it; on
    Windows, where links need a privilege, the base interpreter's own directory."""
    if venvs.WINDOWS:
        return PYTHON.parent
    directory = Path(tempfile.mkdtemp(prefix="install-locked-python-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    for name in ("python3", "python"):
        (directory / name).symlink_to(PYTHON)
    return directory


@dataclass
class Poetry:
    """Runs poetry (with this plugin installed beside it) like a user's shell would."""

    home: Path
    extra_env: dict[str, str]
    executable: Path = POETRY

    def serial(self) -> Poetry:
        """The same, with one installer worker.

        Poetry's parallel executor sometimes omits a package's direct_url.json
        (docs/design.md says why; install-locked completes them), so the
        reference `poetry install` of a comparison of direct_url runs serially.
        """
        return replace(
            self, extra_env={**self.extra_env, "POETRY_INSTALLER_MAX_WORKERS": "1"}
        )

    @property
    def installer(self) -> str:
        return self.extra_env.get("POETRY_INSTALL_LOCKED_INSTALLER", "poetry")

    def installing_with(self, installer: str) -> Poetry:
        """The same, with install-locked's installer chosen by its variable."""
        return replace(
            self,
            extra_env={**self.extra_env, "POETRY_INSTALL_LOCKED_INSTALLER": installer},
        )

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                ("POETRY_", "VIRTUAL_ENV", "CONDA_", "PYTHON", "PIP_", "UV_")
            )
        }
        # Poetry picks `python3` from PATH for new virtualenvs: this suite's
        # interpreter, never its venv.
        env["PATH"] = os.pathsep.join(
            [
                str(python_on_path()),
                *(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != BIN),
            ]
        )
        env.update(
            POETRY_CONFIG_DIR=str(self.home / "config"),
            POETRY_DATA_DIR=str(self.home / "data"),
            POETRY_CACHE_DIR=str(self.home / "cache"),
            UV_CACHE_DIR=str(self.home / "uv-cache"),
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
            COLUMNS="200",
        )
        if venvs.WINDOWS:
            # Poetry (cleo) writes to its standard streams in their encoding: on
            # Windows, redirected, the ANSI code page. What run() reads is UTF-8.
            env["PYTHONIOENCODING"] = "utf-8"
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def run(
        self,
        *args: str,
        cwd: Path,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        **overrides: str,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            check=False,
            cwd=cwd,
            env=self.env(**{**(env or {}), **overrides}),
            capture_output=True,
            encoding="utf-8",
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"poetry {' '.join(args)} failed ({result.returncode}) in {cwd}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def command(self, *args: str) -> list[str]:
        """`poetry --no-ansi -n ARGS`, started with default signal dispositions."""
        poetry = [str(self.executable), "--no-ansi", "-n", *args]
        if venvs.WINDOWS:
            return poetry
        return [sys.executable, "-I", "-S", "-c", DEFAULT_SIGNALS, *poetry]


def installed_set(venv: Path, project_root: Path | None = None) -> Installed:
    """Name, version and direct_url of every distribution in `venv`.

    Paths under `project_root` are made relative, so that installs from two
    copies of a project compare equal.
    """
    output = subprocess.run(
        [str(venvs.python(venv)), "-c", INSTALLED_SET_SCRIPT],
        check=True,
        capture_output=True,
        encoding="utf-8",  # JSON's ASCII, whatever the locale
    ).stdout
    rows = set()
    for name, version, direct_url in json.loads(output):
        text = json.dumps(direct_url, sort_keys=True) if direct_url else ""
        if project_root is not None:
            text = text.replace(project_root.resolve().as_uri(), "file://<project>")
        rows.add((canonicalize_name(name), version, text))
    return frozenset(rows)


def names(installed: Installed) -> set[str]:
    return {name for name, _, _ in installed}


def make_venv(path: Path) -> Path:
    """A plain virtualenv, as a user's (or an earlier build step's) would be."""
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(path)], check=True)
    return path
