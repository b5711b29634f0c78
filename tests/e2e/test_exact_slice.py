"""Beside pyproject.toml, `poetry lock-slice SEL` slices what `poetry install
--no-root SEL` installs: optional groups as declared, and for a lock of Poetry 1.8
(lock-version 2.0) as for one of Poetry 2 (2.1). `poetry install-locked` in a
directory holding only the slice installs exactly that, and the later
`poetry install` over the full project installs only the project."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.support.poetry_cli import installed_set
from tests.support.projects import SELECTIONS
from tests.support.projects import copy_project
from tests.support.projects import install_over


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry_cli import Installed
    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]

LOCKS = {"2.0": "legacy_template", "2.1": "legacy21_template"}
# What a slice is does not depend on the installer; that uv installs what Poetry
# would, lock by lock, the parity tests prove on every Python and Poetry.
EXACT_SLICE_INSTALLERS = [
    "poetry",
    pytest.param("uv", marks=pytest.mark.whole_suite),
]


@pytest.fixture(scope="module")
def exact_slice(
    poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., str]:
    """The text of `poetry lock-slice OPTIONS` beside pyproject.toml, worked out
    once per template and options (both installers install it)."""
    done: dict[tuple[Path, tuple[str, ...]], str] = {}

    def text(template: Path, *options: str) -> str:
        if (template, options) not in done:
            output = tmp_path_factory.mktemp("exact") / "poetry.lock"
            result = poetry.run("lock-slice", *options, "-o", str(output), cwd=template)
            # Beside pyproject.toml, nothing speaks of being without it.
            assert "without pyproject.toml" not in result.stdout + result.stderr
            done[template, options] = output.read_text()
        return done[template, options]

    return text


@pytest.mark.parametrize("lock_version", LOCKS)
@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("installer", EXACT_SLICE_INSTALLERS)
def test_the_exact_slice_installs_what_poetry_install_no_root_installs(
    installer: str,
    selection: list[str],
    lock_version: str,
    request: pytest.FixtureRequest,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    exact_slice: Callable[..., str],
    tmp_path: Path,
) -> None:
    template: Path = request.getfixturevalue(LOCKS[lock_version])
    locked = tomlkit.parse((template / "poetry.lock").read_text())
    assert locked["metadata"]["lock-version"] == lock_version
    expected = poetry_install_no_root(template, *selection)

    # The slice alone, and the directory dependency it names, as a build copies them.
    sliced = tmp_path / "slice"
    sliced.mkdir()
    text = exact_slice(template, *selection)
    (sliced / "poetry.lock").write_text(text)
    shutil.copytree(template / "libs", sliced / "libs")
    assert tomlkit.parse(text)["metadata"]["lock-version"] == "2.1"

    poetry.installing_with(installer).run("install-locked", cwd=sliced)
    assert installed_set(sliced / ".venv", sliced) == expected

    # What the environment is to the later `poetry install` does not depend on
    # the slice beyond its installed set (and the parity tests check it for
    # each installer): once per selection.
    if installer == "poetry":
        install_over(poetry, template, sliced, "legacyapp (0.1.0)", *selection)


@pytest.mark.parametrize("lock_version", LOCKS)
def test_a_dev_dependency_added_and_locked_leaves_the_slice_byte_identical(
    lock_version: str,
    request: pytest.FixtureRequest,
    poetry: Poetry,
    legacy_poetry: Poetry,
    tmp_path: Path,
) -> None:
    template: Path = request.getfixturevalue(LOCKS[lock_version])
    project = copy_project(template, tmp_path / "project")
    before = poetry.run("lock-slice", "--only", "main", cwd=project).stdout

    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert "[tool.poetry.group.dev.dependencies]\n" in text
    pyproject.write_text(
        text.replace(
            "[tool.poetry.group.dev.dependencies]\n",
            '[tool.poetry.group.dev.dependencies]\ndocsgen = "*"\n',
        )
    )
    lock = (project / "poetry.lock").read_text()
    (legacy_poetry if lock_version == "2.0" else poetry).run("lock", cwd=project)
    assert (project / "poetry.lock").read_text() != lock

    assert poetry.run("lock-slice", "--only", "main", cwd=project).stdout == before
