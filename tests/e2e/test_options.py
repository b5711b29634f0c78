"""Options and global options behave as in `poetry install`."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import copy_project
from tests.support.projects import install_over
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry_cli import Poetry


pytestmark = pytest.mark.e2e


def test_a_version_bump_keeps_the_lock_and_the_environment_built_from_it(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    """The Docker story in miniature: the dependency layer, built from the lock
    before a release, is what the released project needs, and its final
    `poetry install` adds only the project itself."""
    project = copy_project(app_template, tmp_path / "project")
    layer = lock_only_copy(project, tmp_path / "layer")
    poetry.run("install-locked", "--only", "main", cwd=layer)

    poetry.run("version", "patch", cwd=project)
    assert 'version = "0.1.1"' in (project / "pyproject.toml").read_text()
    assert (project / "poetry.lock").read_bytes() == (
        layer / "poetry.lock"
    ).read_bytes()

    reference = copy_project(project, tmp_path / "reference")
    poetry.serial().run(
        "install",
        "--no-root",
        "--only",
        "main",
        cwd=reference,
        POETRY_VIRTUALENVS_IN_PROJECT="true",
    )
    assert installed_set(layer / ".venv", layer) == installed_set(
        reference / ".venv", reference
    )

    install_over(poetry, project, layer, "app (0.1.1)", "--only", "main")


def test_sync_removes_what_the_selection_does_not_hold(
    app_template: Path, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    installs.run("install-locked", cwd=locked)
    assert {"devtool", "docsgen"} <= names(installed_set(locked / ".venv"))

    result = installs.run("install-locked", "--only", "main", "--sync", cwd=locked)
    assert "Removing devtool (1.0)" in result.stdout
    installed = names(installed_set(locked / ".venv"))
    assert not {"devtool", "docsgen"} & installed
    assert "shared" in installed  # in main as well as dev


def test_sync_spares_the_project_installed_from_the_locks_directory(
    app_template: Path, poetry: Poetry, installs: Poetry, tmp_path: Path
) -> None:
    """As `poetry install --sync` spares the root: the lock does not name the
    project, but the environment records where it was installed from."""
    locked = copy_project(app_template, tmp_path / "locked")
    poetry.run("install", cwd=locked, POETRY_VIRTUALENVS_IN_PROJECT="true")
    assert {"app", "devtool"} <= names(installed_set(locked / ".venv"))
    (locked / "pyproject.toml").unlink()

    result = installs.run("install-locked", "--only", "main", "--sync", cwd=locked)

    assert "Removing devtool (1.0)" in result.stdout
    assert "Removing app" not in result.stdout
    installed = names(installed_set(locked / ".venv"))
    assert "app" in installed
    assert "devtool" not in installed


def test_dry_run_installs_nothing(
    app_template: Path, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = installs.run("install-locked", "--only", "main", "--dry-run", cwd=locked)

    assert "Installing secretpkg (1.0)" in result.stdout
    assert "secretpkg" not in names(installed_set(locked / ".venv"))


def test_compile_writes_bytecode(
    app_template: Path, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    installs.run("install-locked", "--only", "main", "--compile", cwd=locked)

    site_packages = venvs.site_packages(locked / ".venv")
    assert list((site_packages / "alpha" / "__pycache__").glob("__init__.*.pyc"))


def test_directory_and_project_global_options(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    poetry.run("-C", str(locked), "install-locked", "--only", "main", cwd=tmp_path)
    assert "alpha" in names(installed_set(locked / ".venv"))

    other = lock_only_copy(app_template, tmp_path / "other")
    poetry.run("-P", "other", "install-locked", "--only", "main", cwd=tmp_path)
    assert "alpha" in names(installed_set(other / ".venv"))


def test_quiet_prints_nothing(
    app_template: Path, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = installs.run("install-locked", "-q", "--only", "main", cwd=locked)

    assert (result.stdout, result.stderr) == ("", "")
    assert "alpha" in names(installed_set(locked / ".venv"))


def test_re_resolve_setting_is_overridden_and_a_warning_says_so(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    """Without pyproject.toml nothing can be resolved again: the lock decides,
    and the last line says that the later `poetry install` would resolve again."""
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = poetry.run(
        "install-locked",
        "--only",
        "main",
        cwd=locked,
        POETRY_INSTALLER_RE_RESOLVE="true",
    )

    assert result.stderr.splitlines()[-1].startswith(
        "Warning: installer.re-resolve is true (Poetry's default before 2.3), so"
        " `poetry install` beside pyproject.toml resolves again"
    )
    assert "secretpkg" in names(installed_set(locked / ".venv"))


def test_no_cache_still_installs(
    app_template: Path, installs: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    installs.run("install-locked", "--no-cache", "--only", "main", cwd=locked)
    assert "alpha" in names(installed_set(locked / ".venv"))


class TestDirectoryDependencies:
    def test_an_absent_path_gets_poetrys_error_naming_the_path_and_no_directory(
        self, pathapp_template: Path, poetry: Poetry, tmp_path: Path
    ) -> None:
        locked = lock_only_copy(pathapp_template, tmp_path / "locked")
        result = poetry.run("install-locked", cwd=locked, check=False)

        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert lines[-1] == (
            f"Path {locked / 'libs' / 'localpkg'} for localpkg does not exist:"
            " copy it beside poetry.lock before this step,"
            " or skip directory dependencies with --no-directory"
        )
        assert "Traceback" not in result.stderr
        assert not {"zeta", "alpha"} & names(installed_set(locked / ".venv"))

    def test_no_directory_skips_them(
        self, pathapp_template: Path, installs: Poetry, tmp_path: Path
    ) -> None:
        locked = lock_only_copy(pathapp_template, tmp_path / "locked")
        installs.run("install-locked", "--no-directory", cwd=locked)
        installed = names(installed_set(locked / ".venv"))
        assert {"zeta", "alpha"} <= installed
        assert "localpkg" not in installed

    def test_a_present_path_is_installed_in_develop_mode_as_poetry_does(
        self,
        pathapp_template: Path,
        poetry: Poetry,
        installs: Poetry,
        tmp_path: Path,
    ) -> None:
        project = copy_project(pathapp_template, tmp_path / "project")
        poetry.serial().run(
            "install", "--no-root", cwd=project, POETRY_VIRTUALENVS_IN_PROJECT="true"
        )
        expected = installed_set(project / ".venv", project)

        locked = lock_only_copy(pathapp_template, tmp_path / "locked")
        shutil.copytree(pathapp_template / "libs", locked / "libs")
        installs.run("install-locked", cwd=locked)

        assert installed_set(locked / ".venv", locked) == expected
        assert (
            "localpkg",
            "0.1",
            '{"dir_info": {"editable": true}, "url": "file://<project>/libs/localpkg"}',
        ) in expected
