"""With `--installer uv`, uv creates the virtualenv where Poetry would create
one: file by file the one Poetry's virtualenv makes, but for what each tool
writes its own way, and Poetry adopts it as its own. (Every differential test
that installs with uv installs into one, and the later `poetry install` there
has nothing to do.)"""

from __future__ import annotations

import hashlib
import sys

from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from tests.support.poetry_cli import Poetry


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.differential,
    pytest.mark.skipif(
        sys.platform != "linux",
        reason="uv creates the virtualenv on Linux only: on macOS and Windows"
        " virtualenv does, as without uv (uv_venv.py says why)",
    ),
]

# A virtualenv's commands and packages, relative to it: bin, lib/python3.X/...
BIN = venvs.scripts(Path("venv")).relative_to("venv").as_posix()
SITE = venvs.site_packages(Path("venv")).relative_to("venv").as_posix()
# What only one of the two writes: activation scripts for the shells it knows
# (virtualenv 20 and 21 know different ones), and its own patch of the
# interpreter's start-up where it thinks one is needed (a _virtualenv.pth and
# module: virtualenv 20 on every Python, uv on 3.9); uv, its lock file, a lib64
# link, and its own records of the pip it installed; virtualenv, a headers
# directory, one more pip launcher, and its marker of the pip it seeded.
UV_ONLY = (
    ".lock",
    "lib64",
    f"{BIN}/*.bat",
    f"{BIN}/activate*",
    f"{SITE}/_virtualenv.*",
    f"{SITE}/__pycache__",
    f"{SITE}/pip-*.dist-info/REQUESTED",
    f"{SITE}/pip-*.dist-info/uv_cache.json",
)
VIRTUALENV_ONLY = (
    "include",
    f"{BIN}/activate*",
    f"{BIN}/deactivate.csh",
    f"{BIN}/pip-3.*",
    f"{SITE}/pip-*.virtualenv",
    f"{SITE}/_virtualenv.*",
    f"{SITE}/__pycache__",
)
# What both write, each its own way: comments, activation scripts and pip's
# launchers (each running this venv's python), the installer's name in pip's
# metadata, the start-up patch (Python 3.9), and pyvenv.cfg, whose settings are
# compared below.
OWN_WAY = (
    ".gitignore",
    "CACHEDIR.TAG",
    f"{BIN}/activate*",
    f"{BIN}/pip",
    f"{BIN}/pip3*",
    f"{SITE}/pip-*.dist-info/INSTALLER",
    f"{SITE}/pip-*.dist-info/RECORD",
    "pyvenv.cfg",
    f"{SITE}/_virtualenv.*",
    f"{SITE}/__pycache__/_virtualenv.*",
)


def tree(venv: Path) -> dict[str, str]:
    """Every path in `venv`: a file's digest, a link's target, or a directory."""
    found = {}
    for path in venv.rglob("*"):
        relative = path.relative_to(venv).as_posix()
        if path.is_symlink():
            found[relative] = f"-> {path.readlink()}"
        elif path.is_dir():
            found[relative] = "directory"
        else:
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def unexpected(paths: set[str], expected: tuple[str, ...]) -> set[str]:
    return {
        path
        for path in paths
        if not any(fnmatch(path, p) or fnmatch(path, f"{p}/*") for p in expected)
    }


def configuration(venv: Path) -> dict[str, str]:
    """pyvenv.cfg's settings."""
    lines = (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" = ", 1) for line in lines if " = " in line)


def settings(venv: Path) -> dict[str, str]:
    """What Poetry and the interpreter read of pyvenv.cfg."""
    values = configuration(venv)
    return {
        key: values[key].strip('"')
        for key in ("home", "include-system-site-packages", "prompt")
    }


@pytest.mark.parametrize(
    "options",
    [{}, {"SYSTEM_SITE_PACKAGES": "true"}, {"NO_PIP": "true"}],
    ids=["default", "system-site-packages", "no-pip"],
)
def test_uv_creates_the_virtualenv_poetry_would_create(
    options: dict[str, str], app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    variables = {f"POETRY_VIRTUALENVS_OPTIONS_{k}": v for k, v in options.items()}
    created = {}
    for installer in ("uv", "poetry"):
        directory = lock_only_copy(app_template, tmp_path / installer / "app")
        result = poetry.run(
            "install-locked",
            "--dry-run",
            f"--installer={installer}",
            cwd=directory,
            env=variables,
        )
        created[installer] = directory / ".venv"
        assert f"Creating virtualenv app in {directory / '.venv'}" in result.stderr
    # Each tool signs the pyvenv.cfg it writes: uv made the one, virtualenv the other.
    assert "uv" in configuration(created["uv"])
    assert "uv" not in configuration(created["poetry"])
    by_uv, by_poetry = tree(created["uv"]), tree(created["poetry"])

    assert unexpected(by_uv.keys() - by_poetry.keys(), UV_ONLY) == set()
    assert unexpected(by_poetry.keys() - by_uv.keys(), VIRTUALENV_ONLY) == set()
    differ = {p for p in by_uv.keys() & by_poetry.keys() if by_uv[p] != by_poetry[p]}
    assert unexpected(differ, OWN_WAY) == set()
    assert settings(created["uv"]) == settings(created["poetry"])
    if options.get("NO_PIP"):
        assert not any(fnmatch(p, f"{SITE}/pip") for p in by_uv)
    else:
        assert any(fnmatch(p, f"{SITE}/pip-*.dist-info") for p in by_uv)

    # Poetry takes it as its own, beside pyproject.toml.
    (created["uv"].parent / "pyproject.toml").write_text(
        (app_template / "pyproject.toml").read_text()
    )
    info = poetry.run("env", "info", "--path", cwd=created["uv"].parent, env=variables)
    assert info.stdout.strip() == str(created["uv"])
