"""Where `poetry install` resolves again for its one environment (by default
before Poetry 2.3; always for a lock of lock-version 2.0), it can install other
than the lock's groups and markers, which lock-only mode follows: a package
locked at two versions under complementary markers, and an extra's package that
Poetry 2.0 to 2.2 lock in main unconditionally (tests/support/projects.py:
write_resolveapp). With installer.re-resolve = false, the configuration the docs
give, the two agree on every Poetry; otherwise the difference is said, and it
is only that of these shapes."""

from __future__ import annotations

import re
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

from poetry.core.constraints.version import Version

from tests.support.poetry_cli import installed_set
from tests.support.projects import copy_project
from tests.support.projects import install_over
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry_cli import Installed
    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]

SELECTIONS = [
    pytest.param([], id="default"),
    pytest.param(["--only", "main"], id="only-main"),
    pytest.param(["--only", "main", "-E", "pair"], id="main-extra"),
]
FOLLOW_THE_LOCK = {"POETRY_INSTALLER_RE_RESOLVE": "false"}
RESOLVES_BY_DEFAULT = Version.parse(version("poetry")) < Version.parse("2.3")
WARNING = "Warning: installer.re-resolve is true (Poetry's default before 2.3)"
SHAPES = {"twin", "zeta", "duo"}


def planned(output: str) -> set[str]:
    """The installs a dry run lists: "name version"."""
    return {
        f"{name} {version}"
        for name, version, skipped in re.findall(
            r"Installing ([\w.-]+) \(([^)]+)\)(: Skipped)?", output
        )
        if not skipped
    }


@pytest.mark.parametrize("selection", SELECTIONS)
def test_following_the_lock_lock_only_mode_installs_what_poetry_install_does(
    selection: list[str],
    resolve_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    expected = poetry_install_no_root(resolve_template, *selection, **FOLLOW_THE_LOCK)

    locked = lock_only_copy(resolve_template, tmp_path / "locked")
    result = poetry.run("install-locked", *selection, cwd=locked, env=FOLLOW_THE_LOCK)

    assert WARNING not in result.stderr
    assert installed_set(locked / ".venv", locked) == expected
    install_over(poetry, resolve_template, locked, None, *selection, **FOLLOW_THE_LOCK)


def test_where_poetry_install_resolves_again_the_difference_is_warned_and_only_the_shapes(
    resolve_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    project = copy_project(resolve_template, tmp_path / "project")
    reference = poetry.run(
        "install", "--no-root", "--only", "main", "--dry-run", cwd=project
    )
    locked = lock_only_copy(resolve_template, tmp_path / "locked")
    result = poetry.run("install-locked", "--only", "main", "--dry-run", cwd=locked)

    difference = planned(reference.stdout) ^ planned(result.stdout)
    assert (WARNING in result.stderr) == RESOLVES_BY_DEFAULT
    assert bool(difference) == RESOLVES_BY_DEFAULT
    assert {entry.split()[0] for entry in difference} <= SHAPES
    if RESOLVES_BY_DEFAULT:
        # Locked in main with no extra marker by Poetry 2.0 to 2.2.
        assert "duo 1.0" in planned(result.stdout) - planned(reference.stdout)
        if sys.version_info >= (3, 11):  # twin 2.0 needs Python >= 3.11
            assert "twin 2.0" in planned(reference.stdout) - planned(result.stdout)


@pytest.mark.parametrize("variables", [{}, FOLLOW_THE_LOCK], ids=["default", "lock"])
def test_beside_pyproject_install_locked_is_poetry_install_no_root(
    variables: dict[str, str],
    resolve_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    project = copy_project(resolve_template, tmp_path / "project")
    poetry.run(
        "install-locked",
        "--only",
        "main",
        cwd=project,
        env={"POETRY_VIRTUALENVS_IN_PROJECT": "true", **variables},
    )
    assert installed_set(project / ".venv", project) == poetry_install_no_root(
        resolve_template, "--only", "main", **variables
    )


def test_the_exact_slice_says_where_resolving_again_installs_other_than_it(
    resolve_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    resolving = poetry_install_no_root(resolve_template, "--only", "main")
    following = poetry_install_no_root(
        resolve_template, "--only", "main", **FOLLOW_THE_LOCK
    )

    result = poetry.run("lock-slice", "--only", "main", cwd=resolve_template)

    said = "differs from what the slice installs here" in result.stderr
    assert said == (resolving != following)


def test_the_exact_slice_of_this_environment_is_what_poetry_install_installs_here(
    resolve_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    tmp_path: Path,
) -> None:
    sliced = tmp_path / "slice"
    poetry.run(
        "lock-slice",
        "--only",
        "main",
        "--this-environment",
        "-o",
        str(sliced / "poetry.lock"),
        cwd=resolve_template,
    )

    poetry.run("install-locked", cwd=sliced, env=FOLLOW_THE_LOCK)

    assert installed_set(sliced / ".venv", sliced) == poetry_install_no_root(
        resolve_template, "--only", "main"
    )
