"""`poetry install-locked` in a directory holding only the slice of a lock-only
directory installs what `poetry install --no-root SEL` installs in the full
project, and the final `poetry install` over it then installs only the project."""

from __future__ import annotations

import shutil
import sys

from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import install_over
from tests.support.projects import lock_only_copy
from tests.support.projects import with_optional_groups


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry_cli import Installed
    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]

SELECTIONS = [
    pytest.param([], id="default"),
    pytest.param(["--only", "main"], id="only-main"),
    pytest.param(["--without", "dev"], id="without-dev"),
    pytest.param(["-E", "fancy"], id="extras"),
    pytest.param(["--only", "main", "--all-extras"], id="main-all-extras"),
    pytest.param(["--all-groups", "--all-extras"], id="everything"),
]


def slice_into(poetry: Poetry, full: Path, destination: Path, *options: str) -> Path:
    """`poetry lock-slice OPTIONS -o DESTINATION/poetry.lock`, run in `full`."""
    poetry.run("lock-slice", *options, "-o", str(destination / "poetry.lock"), cwd=full)
    assert [p.name for p in destination.iterdir()] == ["poetry.lock"]
    return destination


@pytest.mark.parametrize("selection", SELECTIONS)
def test_the_slice_installs_what_poetry_install_no_root_installs(
    selection: list[str],
    app_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    """Sliced without pyproject.toml, where every locked group is a default
    group: so Poetry is asked for the optional one too."""
    full = lock_only_copy(app_template, tmp_path / "full")
    sliced = slice_into(poetry, full, tmp_path / "slice", *selection)
    poetry.run("install-locked", cwd=sliced)  # no options: the slice decides
    assert installed_set(sliced / ".venv", sliced) == poetry_install_no_root(
        app_template, *with_optional_groups(selection)
    )

    # The whole lock and pyproject.toml copied over the slice.
    install_over(
        poetry, app_template, sliced, "app (0.1.0)", *with_optional_groups(selection)
    )


def test_this_environment_leaves_out_what_it_does_not_install(
    app_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    full = lock_only_copy(app_template, tmp_path / "full")
    sliced = slice_into(
        poetry, full, tmp_path / "slice", "--only", "main", "--this-environment"
    )

    locked = {
        p["name"]
        for p in tomlkit.parse((sliced / "poetry.lock").read_text())["package"]
    }
    assert ("winonly" in locked) == (sys.platform == "win32")  # for Windows only
    assert ("oldpy" in locked) == (sys.version_info < (3, 11))

    poetry.run("install-locked", cwd=sliced)
    assert installed_set(sliced / ".venv", sliced) == poetry_install_no_root(
        app_template, "--only", "main"
    )


def test_a_directory_dependency_is_sliced_with_its_relative_path(
    pathapp_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    full = lock_only_copy(pathapp_template, tmp_path / "full")
    shutil.copytree(pathapp_template / "libs", full / "libs")

    sliced = slice_into(poetry, full, tmp_path / "slice")
    shutil.copytree(pathapp_template / "libs", sliced / "libs")
    poetry.run("install-locked", cwd=sliced)

    installed = installed_set(sliced / ".venv", sliced)
    assert installed == poetry_install_no_root(pathapp_template)
    assert "localpkg" in names(installed)


def test_quiet_writes_the_slice_alone_to_standard_output(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    full = lock_only_copy(app_template, tmp_path / "full")
    result = poetry.run("-C", str(full), "lock-slice", "-q", "--output=-", cwd=tmp_path)

    assert result.stderr == ""
    assert tomlkit.parse(result.stdout)["metadata"]["lock-version"] == "2.1"
