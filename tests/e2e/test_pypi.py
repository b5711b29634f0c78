"""The most common lock: packages that name no source, so Poetry fetches them from
PyPI (its JSON API and files.pythonhosted.org). Installed for real, by
install-locked and by `poetry install --no-root`, from a stand-in for PyPI on
127.0.0.1 that both reach as they reach PyPI."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support.index import Dist
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import names
from tests.support.projects import copy_project
from tests.support.projects import lock_only_copy
from tests.support.pypi import PyPIStandIn


if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.poetry_cli import Poetry


pytestmark = [pytest.mark.e2e, pytest.mark.differential]

PYPI_DISTS = [
    Dist("alpha", "1.0", requires=("beta>=1.0,<2",)),
    Dist("beta", "1.0"),
    Dist("beta", "2.0"),
    Dist("gamma", "1.0", requires=('delta; extra == "fast"',), extras=("fast",)),
    Dist("delta", "1.0"),
    Dist("sdistonly", "1.0", requires=("beta",), sdist_only=True),
    Dist("devtool", "1.0"),
]


@pytest.fixture(scope="module")
def pypi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyPIStandIn]:
    standin = PyPIStandIn(tmp_path_factory.mktemp("pypi"))
    for dist in PYPI_DISTS:
        standin.add(dist)
    standin.add_tinybackend()
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def pypiapp(
    pypi: PyPIStandIn, poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    directory = tmp_path_factory.mktemp("pypiapp") / "pypiapp"
    directory.mkdir()
    (directory / "pyproject.toml").write_text(
        """\
[project]
name = "pypiapp"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["alpha", "gamma[fast]", "sdistonly"]

[tool.poetry]
package-mode = false

[tool.poetry.group.dev.dependencies]
devtool = "*"
"""
    )
    poetry.run("lock", cwd=directory, env=pypi.env())
    lock = (directory / "poetry.lock").read_text()
    assert "[package.source]" not in lock
    assert 'name = "sdistonly"' in lock
    return directory


@pytest.mark.parametrize("selection", [[], ["--only", "main"]], ids=["default", "main"])
def test_a_pypi_lock_installs_what_poetry_install_no_root_installs(
    selection: list[str],
    pypi: PyPIStandIn,
    pypiapp: Path,
    poetry: Poetry,
    installs: Poetry,
    tmp_path: Path,
) -> None:
    # Caches of its own: every file comes from the stand-in.
    cache = {
        "POETRY_CACHE_DIR": str(tmp_path / "cache"),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
    }
    project = copy_project(pypiapp, tmp_path / "project")
    poetry.serial().run(
        "install",
        "--no-root",
        *selection,
        cwd=project,
        env={**pypi.env(), **cache},
        POETRY_VIRTUALENVS_IN_PROJECT="true",
    )
    expected = installed_set(project / ".venv")

    locked = lock_only_copy(pypiapp, tmp_path / "locked")
    shutil.rmtree(tmp_path / "cache")
    pypi.served.clear()
    installs.run("install-locked", *selection, cwd=locked, env={**pypi.env(), **cache})
    # Reached as PyPI: Poetry through the release JSON API, uv through the
    # simple API; both download from files.pythonhosted.org.
    assert {
        "https://pypi.org/pypi/alpha/1.0/json",
        "https://pypi.org/simple/alpha/",
    } & set(pypi.served)
    assert (
        "https://files.pythonhosted.org/packages/alpha-1.0-py3-none-any.whl"
        in pypi.served
    )

    installed = installed_set(locked / ".venv")
    assert installed == expected
    assert {"alpha", "beta", "gamma", "delta", "sdistonly"} <= names(installed)
    assert ("devtool" in names(installed)) == (not selection)
