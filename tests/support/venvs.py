"""Where a virtualenv keeps its commands, its interpreter and its packages:
`bin/` and `lib/pythonX.Y/site-packages` on Linux and macOS, `Scripts\\` and
`Lib\\site-packages` on Windows. Computed as `venv` computes them, from
sysconfig, so that no test hard-codes one platform's layout."""

from __future__ import annotations

import sys
import sysconfig

from pathlib import Path


WINDOWS = sys.platform == "win32"


def _scheme() -> str:
    """The install scheme of a virtualenv (`venv` has it by name from 3.11)."""
    if "venv" in sysconfig.get_scheme_names():
        return "venv"
    return "nt" if WINDOWS else "posix_prefix"


def _path(venv: Path, name: str) -> Path:
    base = str(venv)
    variables = {
        "base": base,
        "platbase": base,
        "installed_base": base,
        "installed_platbase": base,
    }
    return Path(sysconfig.get_path(name, _scheme(), vars=variables))


def scripts(venv: Path) -> Path:
    """The directory of `venv`'s commands, the one its activation puts on PATH."""
    return _path(venv, "scripts")


def command(directory: Path, name: str) -> Path:
    """The console script NAME in a scripts `directory` (`NAME.exe` on Windows)."""
    return directory / (f"{name}.exe" if WINDOWS else name)


def python(venv: Path) -> Path:
    """`venv`'s interpreter."""
    return command(scripts(venv), "python")


def site_packages(venv: Path) -> Path:
    """`venv`'s site-packages, for this suite's Python (which makes every
    virtualenv the tests make)."""
    return _path(venv, "purelib")
