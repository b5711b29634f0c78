"""`poetry install-locked SEL` in a lock-only directory installs what
`poetry install --no-root SEL` installs in the full project."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import pytest

from tests.support.index import Dist
from tests.support.index import PackageIndex
from tests.support.poetry_cli import INSTALLERS
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import PUBLIC
from tests.support.projects import SELECTIONS
from tests.support.projects import copy_project
from tests.support.projects import install_over
from tests.support.projects import lock_only_copy
from tests.support.projects import serve_packages
from tests.support.projects import with_optional_groups
from tests.support.projects import write_index_app


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry_cli import Installed
    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]


@pytest.mark.parametrize("installer", INSTALLERS)
@pytest.mark.parametrize("selection", SELECTIONS)
def test_lock_only_install_equals_poetry_install_no_root(
    selection: list[str],
    installer: str,
    app_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    expected = poetry_install_no_root(app_template, *with_optional_groups(selection))

    locked = lock_only_copy(app_template, tmp_path / "locked")
    poetry.run("install-locked", *selection, f"--installer={installer}", cwd=locked)
    installed = installed_set(locked / ".venv", locked)

    assert installed == expected
    assert "app" not in names(installed)

    result = install_over(poetry, app_template, locked, "app (0.1.0)", *selection)
    assert "Creating virtualenv" not in result.stderr
    assert installed_set(locked / ".venv", locked) - installed == {
        ("app", "0.1.0", '{"dir_info": {"editable": true}, "url": "file://<project>"}')
    }


def test_lock_only_installs_locked_versions_and_honours_markers(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    poetry.run("install-locked", "--only", "main", cwd=locked)
    installed = installed_set(locked / ".venv")

    assert {"delta", "gitpkg", "sdistonly", "secretpkg", "urlpkg"} <= names(installed)
    # Locked, but for Windows only, and for Pythons before 3.11 only.
    assert ("winonly" in names(installed)) == (sys.platform == "win32")
    assert ("oldpy" in names(installed)) == (sys.version_info < (3, 11))
    # Not in the main group, or behind the root extra `fancy`.
    assert not {"devtool", "docsgen", "epsilon"} & names(installed)


def test_every_locked_group_is_a_default_group_and_the_command_says_so(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = poetry.run("install-locked", "--dry-run", cwd=locked)

    assert "Installing the locked groups: main, dev, docs" in result.stdout
    assert "Installing docsgen (1.0)" in result.stdout
    assert (
        "Warning: poetry.lock does not record which groups are optional, so without"
        " pyproject.toml all of them (main, dev, docs) are selected: narrow them with"
        " --only main (or --without NAME), or slice the lock beside pyproject.toml"
        " to have them as declared (the exact slice recipe, docs/docker.md)."
    ) in result.stderr.splitlines()


@pytest.fixture(scope="module")
def republished(
    tmp_path_factory: pytest.TempPathFactory, poetry: Poetry
) -> Iterator[Path]:
    """A project locked against an index of its own, which then publishes newer
    releases of two locked packages that nothing pins below them."""
    index = PackageIndex(tmp_path_factory.mktemp("republished-index"))
    index.start()
    serve_packages(index)
    template = tmp_path_factory.mktemp("republished") / "indexapp"
    write_index_app(template, index)
    poetry.run("lock", cwd=template)
    for name in ("epsilon", "zeta"):
        assert (
            f'name = "{name}"\nversion = "1.0"'
            in (template / "poetry.lock").read_text()
        )
        index.add(PUBLIC, Dist(name, "2.0"))
        page = index.root / PUBLIC / "simple" / name / "index.html"
        assert f"{name}-2.0-py3-none-any.whl" in page.read_text()
    yield template
    index.stop()


def test_the_locked_versions_are_installed_when_newer_ones_are_published(
    republished: Path, poetry: Poetry, tmp_path: Path
) -> None:
    project = copy_project(republished, tmp_path / "project")
    poetry.serial().run(
        "install", "--no-root", cwd=project, POETRY_VIRTUALENVS_IN_PROJECT="true"
    )
    expected = installed_set(project / ".venv")

    locked = lock_only_copy(republished, tmp_path / "locked")
    poetry.run("install-locked", cwd=locked)
    installed = installed_set(locked / ".venv")

    assert installed == expected
    assert {("epsilon", "1.0", ""), ("zeta", "1.0", "")} <= installed
