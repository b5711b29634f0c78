from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hypothesis import settings

from tests.support.git_server import GitDaemon
from tests.support.index import PackageIndex
from tests.support.poetry_cli import INSTALLERS
from tests.support.poetry_cli import Poetry
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import Fixtures
from tests.support.projects import serve_fixtures
from tests.support.projects import write_app
from tests.support.projects import write_pathapp


if TYPE_CHECKING:
    import subprocess

    from collections.abc import Callable
    from collections.abc import Iterator


# In-process tests (cleo's CommandTester) must never read or write the user's
# Poetry configuration or cache; Poetry reads these when first imported.
_POETRY_HOME = tempfile.mkdtemp(prefix="install-locked-tests-")
atexit.register(shutil.rmtree, _POETRY_HOME, ignore_errors=True)
for _name in ("CONFIG", "CACHE", "DATA"):
    os.environ[f"POETRY_{_name}_DIR"] = str(Path(_POETRY_HOME) / _name.lower())
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

# CI must be reproducible: there the property tests replay a fixed set of examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixtures]:
    """The local package index and git server, with every fixture distribution."""
    index = PackageIndex(tmp_path_factory.mktemp("index"))
    git = GitDaemon(tmp_path_factory.mktemp("git"))
    index.start()
    git.start()
    try:
        yield serve_fixtures(index, git)
    finally:
        git.stop()
        index.stop()


@pytest.fixture(scope="session")
def poetry(tmp_path_factory: pytest.TempPathFactory) -> Poetry:
    """The poetry CLI with a session-wide cache (warm after the first install)."""
    return Poetry(
        tmp_path_factory.mktemp("poetry-home"),
        {
            f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_USERNAME": PRIVATE_USER,
            f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD": PRIVATE_PASSWORD,
        },
    )


@pytest.fixture(params=INSTALLERS)
def installs(request: pytest.FixtureRequest, poetry: Poetry) -> Poetry:
    """`poetry`, with install-locked installing through each installer in turn
    (POETRY_INSTALL_LOCKED_INSTALLER): Poetry's executor, and uv."""
    return poetry.installing_with(request.param)


@pytest.fixture(scope="session")
def app_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    """The `app` project, locked once by the real `poetry lock`."""
    return _locked(tmp_path_factory, write_app, fixtures, poetry)


@pytest.fixture(scope="session")
def pathapp_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    return _locked(tmp_path_factory, write_pathapp, fixtures, poetry)


def _locked(
    tmp_path_factory: pytest.TempPathFactory,
    write: Callable[[Path, Fixtures], None],
    fixtures: Fixtures,
    poetry: Poetry,
) -> Path:
    directory = tmp_path_factory.mktemp("templates") / write.__name__.removeprefix(
        "write_"
    )
    write(directory, fixtures)
    poetry.run("lock", cwd=directory)
    return directory


def copy_project(template: Path, destination: Path) -> Path:
    shutil.copytree(template, destination)
    return destination


def lock_only_copy(template: Path, destination: Path) -> Path:
    """A directory holding only poetry.lock, as after `COPY poetry.lock ./`."""
    destination.mkdir(parents=True)
    shutil.copy2(template / "poetry.lock", destination / "poetry.lock")
    return destination


def install_over(
    poetry: Poetry, project: Path, directory: Path, root: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """After `COPY . .` (`project` over the `directory` install-locked filled),
    `poetry install OPTIONS` adopts its environment and installs only the
    project itself, `root` ("app (0.1.0)")."""
    shutil.copytree(project, directory, dirs_exist_ok=True)
    result = poetry.run("install", *options, cwd=directory)
    assert "No dependencies to install or update" in result.stdout
    assert f"Installing the current project: {root}" in result.stdout
    return result
