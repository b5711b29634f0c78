"""Beside pyproject.toml, install-locked is `poetry install --no-root`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import copy_project


if TYPE_CHECKING:
    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]


@pytest.mark.parametrize("selection", [[], ["--with", "docs", "-E", "fancy"]])
def test_installs_what_poetry_install_no_root_installs_into_the_same_kind_of_env(
    selection: list[str],
    app_template: Path,
    poetry: Poetry,
    installs: Poetry,
    tmp_path: Path,
) -> None:
    reference = copy_project(app_template, tmp_path / "reference")
    poetry.serial().run("install", "--no-root", *selection, cwd=reference)
    expected = installed_set(
        Path(poetry.run("env", "info", "--path", cwd=reference).stdout.strip())
    )

    project = copy_project(app_template, tmp_path / "project")
    result = installs.run("install-locked", *selection, cwd=project)
    venv = Path(poetry.run("env", "info", "--path", cwd=project).stdout.strip())

    assert venv.name.startswith(
        "app-"
    )  # Poetry's cache-dir env, named after the project
    assert installed_set(venv) == expected
    assert ("docsgen" in names(expected)) == bool(selection)  # optional as declared
    assert "Installing the locked groups" not in result.stdout
    assert "Installing the current project" not in result.stdout


def test_a_stale_lock_gets_poetrys_error_and_installs_nothing(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    project = copy_project(app_template, tmp_path / "project")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"shared",\n', '"shared>=1.0",\n')
    )

    result = poetry.run(
        "install-locked", cwd=project, check=False, POETRY_VIRTUALENVS_IN_PROJECT="true"
    )

    assert result.returncode == 1
    assert (
        "pyproject.toml changed significantly since poetry.lock was last generated"
        in (result.stderr)
    )
    assert "alpha" not in names(installed_set(project / ".venv"))


def test_without_a_lock_it_does_not_resolve(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    project = copy_project(app_template, tmp_path / "project")
    (project / "poetry.lock").unlink()

    result = poetry.run("install-locked", cwd=project, check=False)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"No poetry.lock beside {project / 'pyproject.toml'}: install-locked never"
        " resolves dependencies; run `poetry lock` first."
    )
    assert not (project / "poetry.lock").exists()


def test_project_name_is_ignored_with_a_warning(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    project = copy_project(app_template, tmp_path / "project")
    result = poetry.run(
        "install-locked", "--dry-run", "--project-name", "other", cwd=project
    )

    assert (
        "Warning: --project-name is ignored beside pyproject.toml, which names the"
        " project app." in result.stderr
    )
    assert "Installing alpha (1.0)" in result.stdout
