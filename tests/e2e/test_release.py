"""The release: what `python -m build` makes installs beside Poetry in a fresh
virtualenv, as a user outside this repository installs it, and works there."""

from __future__ import annotations

import subprocess

from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

from tests.support.distributions import build_plugin
from tests.support.distributions import poetry_wheels
from tests.support.distributions import poetry_wheels_problem
from tests.support.poetry_cli import PYTHON
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from pathlib import Path


pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def released_poetry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with Poetry and the plugin's built wheel, offline."""
    if problem := poetry_wheels_problem():
        pytest.fail(problem)
    dists = build_plugin(tmp_path_factory.mktemp("dists"))
    plugin = version("poetry-plugin-install-locked")
    assert sorted(p.name for p in dists) == [
        f"poetry_plugin_install_locked-{plugin}-py3-none-any.whl",
        f"poetry_plugin_install_locked-{plugin}.tar.gz",
    ]
    venv = tmp_path_factory.mktemp("released") / "venv"
    subprocess.run([str(PYTHON), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--only-binary=:all:",
            "--find-links",
            str(poetry_wheels()),
            "--find-links",
            str(dists[0].parent),
            f"poetry=={version('poetry')}",
            f"poetry-plugin-install-locked=={plugin}",
        ],
        check=True,
    )
    return venv


def test_the_built_wheel_is_what_runs(released_poetry: Path) -> None:
    where = subprocess.run(
        [
            str(released_poetry / "bin" / "python"),
            "-c",
            "import poetry_plugin_install_locked as p; print(p.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(released_poetry))


def test_install_locked_works_from_the_released_plugin(
    released_poetry: Path, app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    released = Poetry(poetry.home, poetry.extra_env, released_poetry / "bin" / "poetry")
    locked = lock_only_copy(app_template, tmp_path / "locked")

    result = released.run("install-locked", "--only", "main", cwd=locked)

    assert "Installing the locked groups: main" in result.stdout
    assert {"alpha", "secretpkg", "gitpkg", "urlpkg"} <= names(
        installed_set(locked / ".venv")
    )
