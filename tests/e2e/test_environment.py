"""The environment is the one the later `poetry install` will use."""

from __future__ import annotations

import os
import re
import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import make_venv
from tests.support.poetry_cli import names
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry_cli import Poetry


pytestmark = pytest.mark.e2e


def test_creates_dot_venv_where_poetry_would_create_a_cache_dir_venv(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = poetry.run("install-locked", "--only", "main", cwd=locked)

    assert f"Creating virtualenv locked in {locked / '.venv'}" in result.stderr
    # Named after the lock's directory, as Poetry names a project it cannot name
    # otherwise: no internal name in the prompt Poetry then adopts.
    config = (locked / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r'^prompt = "?locked-py3\.\d+"?$', config, re.MULTILINE), config
    shutil.copytree(app_template, locked, dirs_exist_ok=True)
    assert poetry.run("env", "info", "--path", cwd=locked).stdout.strip() == str(
        locked / ".venv"
    )


def test_in_project_false_without_a_name_is_an_error_that_names_both_fixes(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    (locked / "poetry.toml").write_text("[virtualenvs]\nin-project = false\n")
    result = poetry.run("install-locked", cwd=locked, check=False)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        (
            "virtualenvs.in-project is false, so `poetry install` would create its"
            f" virtualenv in {poetry.home / 'cache' / 'virtualenvs'} under the"
            " project's name, which poetry.lock does not hold: pass --project-name"
            " NAME (the name in pyproject.toml) or set virtualenvs.in-project to true."
        )
    ]
    assert not (locked / ".venv").exists()


def test_project_name_selects_poetrys_own_cache_dir_virtualenv(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    poetry.run(
        "install-locked",
        "--only",
        "main",
        "--project-name",
        "app",
        cwd=locked,
        POETRY_VIRTUALENVS_IN_PROJECT="false",
    )
    assert not (locked / ".venv").exists()

    shutil.copytree(app_template, locked, dirs_exist_ok=True)
    venv = poetry.run(
        "env", "info", "--path", cwd=locked, POETRY_VIRTUALENVS_IN_PROJECT="false"
    ).stdout.strip()
    assert venv.startswith(str(poetry.home / "cache" / "virtualenvs" / "app-"))
    assert "secretpkg" in names(installed_set(locked / venv))
    result = poetry.run(
        "install", "--only", "main", cwd=locked, POETRY_VIRTUALENVS_IN_PROJECT="false"
    )
    assert "No dependencies to install or update" in result.stdout


def test_an_active_virtualenv_is_used(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    venv = tmp_path / "active"
    make_venv(venv)
    locked = lock_only_copy(app_template, tmp_path / "locked")
    poetry.run(
        "install-locked",
        "--only",
        "main",
        cwd=locked,
        VIRTUAL_ENV=str(venv),
        PATH=f"{venvs.scripts(venv)}{os.pathsep}{os.environ['PATH']}",
    )

    assert not (locked / ".venv").exists()
    assert "secretpkg" in names(installed_set(venv))


def test_an_existing_dot_venv_is_adopted(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    make_venv(locked / ".venv")
    result = poetry.run("install-locked", "--only", "main", cwd=locked)

    assert "Creating virtualenv" not in result.stderr
    assert "secretpkg" in names(installed_set(locked / ".venv"))
