"""The committed copy of the fixture app, which the fast tests read, is what
`poetry lock` writes for it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.committed import COMMITTED
from tests.support.committed import comparable
from tests.support.committed import with_placeholders


if TYPE_CHECKING:
    from tests.support.projects import Fixtures


pytestmark = pytest.mark.e2e

# The repository's venv's interpreter, as a path from its root.
PYTHON = venvs.python(Path(".venv")).as_posix()


def test_the_committed_app_is_the_fixture_app_as_poetry_locks_it(
    app_template: Path, fixtures: Fixtures
) -> None:
    pyproject = (app_template / "pyproject.toml").read_text()
    lock = (app_template / "poetry.lock").read_text()
    fix = f"run `{PYTHON} -m tests.support.committed` and commit the result"

    assert (
        with_placeholders(pyproject, fixtures)
        == (COMMITTED / "pyproject.toml").read_text()
    ), fix
    assert comparable(with_placeholders(lock, fixtures)) == comparable(
        (COMMITTED / "poetry.lock").read_text()
    ), fix
