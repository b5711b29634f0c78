"""Every package installed from a URL, git, a file or a directory gets the
direct_url.json Poetry writes for it, however the parallel workers interleave,
so that the next `poetry install` installs nothing again."""

from __future__ import annotations

import shutil

from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.git_server import create_repository
from tests.support.index import Dist
from tests.support.poetry_cli import installed_set
from tests.support.projects import BUILD_SYSTEM
from tests.support.projects import copy_project
from tests.support.projects import lock_only_copy
from tests.support.projects import sources
from tests.support.projects import tinybackend_tree


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry_cli import Poetry
    from tests.support.projects import Fixtures


pytestmark = [pytest.mark.e2e, pytest.mark.differential]

URL_PACKAGES = 300
GIT_PACKAGES = 3
RUNS = 6


@pytest.fixture(scope="module")
def urlapp(
    fixtures: Fixtures, poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A project of many URL and git dependencies, locked."""
    requirements = [
        f'"{dist.name} @ {fixtures.index.add_direct(dist)}"'
        for dist in (Dist(f"urldep{i:02d}", "1.0") for i in range(URL_PACKAGES))
    ]
    for i in range(GIT_PACKAGES):
        dist = Dist(f"gitdep{i}", "1.0")
        create_repository(
            fixtures.git.base, dist.name, tinybackend_tree(dist), tag="v1.0"
        )
        requirements.append(f'"{dist.name} @ git+{fixtures.git.url(dist.name)}@v1.0"')
    directory = tmp_path_factory.mktemp("urlapp") / "urlapp"
    directory.mkdir()
    (directory / "urlapp").mkdir()
    (directory / "urlapp" / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(
        "[project]\n"
        'name = "urlapp"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.9"\n'
        f"dependencies = [{', '.join(requirements)}]\n"
        f"{sources(fixtures.index)}{BUILD_SYSTEM}"
    )
    poetry.run("lock", cwd=directory)
    return directory


@pytest.fixture(scope="module")
def expected(
    urlapp: Path, poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> frozenset[tuple[str, str, str]]:
    """What `poetry install --no-root` installs, with one worker (no race)."""
    project = copy_project(urlapp, tmp_path_factory.mktemp("reference") / "urlapp")
    poetry.serial().run(
        "install", "--no-root", cwd=project, POETRY_VIRTUALENVS_IN_PROJECT="true"
    )
    installed = installed_set(project / ".venv", project)
    assert sum(1 for _, _, url in installed if url) == URL_PACKAGES + GIT_PACKAGES
    return installed


@pytest.mark.parametrize("run", range(RUNS))
def test_parallel_workers_leave_no_package_without_its_direct_url(
    run: int,
    urlapp: Path,
    expected: frozenset[tuple[str, str, str]],
    poetry: Poetry,
    tmp_path: Path,
) -> None:
    locked = lock_only_copy(urlapp, tmp_path / "urlapp")
    poetry.run("install-locked", cwd=locked, POETRY_INSTALLER_MAX_WORKERS="16")

    assert installed_set(locked / ".venv", locked) == expected
    records = list(venvs.site_packages(locked / ".venv").glob("*/RECORD"))
    assert records
    for record in records:
        if (record.parent / "direct_url.json").exists():
            assert f"{record.parent.name}/direct_url.json,," in record.read_text()

    shutil.copytree(urlapp, locked, dirs_exist_ok=True)
    result = poetry.run("install", cwd=locked)
    assert "No dependencies to install or update" in result.stdout
