from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hypothesis import settings

from tests.support.git_server import GitDaemon
from tests.support.index import PackageIndex
from tests.support.poetry_cli import INSTALLERS
from tests.support.poetry_cli import LEGACY_POETRY
from tests.support.poetry_cli import LEGACY_VENV
from tests.support.poetry_cli import Poetry
from tests.support.poetry_cli import installed_set
from tests.support.projects import PRIVATE_CREDENTIALS
from tests.support.projects import PUBLIC
from tests.support.projects import Fixtures
from tests.support.projects import copy_project
from tests.support.projects import serve_fixtures
from tests.support.projects import write_app
from tests.support.projects import write_file_git_app
from tests.support.projects import write_index_app
from tests.support.projects import write_legacyapp
from tests.support.projects import write_pathapp
from tests.support.projects import write_resolveapp


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator

    from tests.support.poetry_cli import Installed


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
    return Poetry(tmp_path_factory.mktemp("poetry-home"), dict(PRIVATE_CREDENTIALS))


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
def legacy_poetry(poetry: Poetry, fixtures: Fixtures) -> Poetry:
    """Poetry 1.8, set up by scripts/test.sh (which CI runs), else skipped (and
    on Linux CI, which always sets it up, failed). It builds what it locks from
    git with pip, from pip's index rather than the project's sources: the tests'
    index, and no pip configuration."""
    if not (LEGACY_VENV / "complete").exists():
        problem = f"no Poetry 1.8 at {LEGACY_POETRY}: bash scripts/test.sh sets it up"
        if os.environ.get("CI") and sys.platform == "linux":
            pytest.fail(problem)
        pytest.skip(problem)
    pip = {
        "PIP_INDEX_URL": fixtures.index.simple_url(PUBLIC),
        "PIP_FIND_LINKS": str(LEGACY_VENV / "build-wheels"),
        "PIP_CONFIG_FILE": os.devnull,
    }
    return replace(
        poetry, executable=LEGACY_POETRY, extra_env={**poetry.extra_env, **pip}
    )


@pytest.fixture(scope="session")
def legacy_template(
    tmp_path_factory: pytest.TempPathFactory,
    fixtures: Fixtures,
    legacy_poetry: Poetry,
) -> Path:
    """`legacyapp`, locked by Poetry 1.8: lock-version 2.0."""
    return _locked(tmp_path_factory, write_legacyapp, fixtures, legacy_poetry)


@pytest.fixture(scope="session")
def legacy21_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    """`legacyapp`, locked by this suite's Poetry: lock-version 2.1."""
    return _locked(tmp_path_factory, write_legacyapp, fixtures, poetry)


@pytest.fixture(scope="session")
def file_git_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    """`app`, its git dependency from a file:// URL (for uv, which takes no git://)."""
    return _locked(tmp_path_factory, write_file_git_app, fixtures, poetry)


@pytest.fixture(scope="session")
def index_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    """A project whose every dependency comes from the tests' index."""
    return _locked(tmp_path_factory, write_indexapp, fixtures, poetry)


def write_indexapp(directory: Path, fixtures: Fixtures) -> None:
    write_index_app(directory, fixtures.index)


@pytest.fixture(scope="session")
def resolve_template(
    tmp_path_factory: pytest.TempPathFactory, fixtures: Fixtures, poetry: Poetry
) -> Path:
    return _locked(tmp_path_factory, write_resolveapp, fixtures, poetry)


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


@pytest.fixture(scope="session")
def poetry_install_no_root(
    tmp_path_factory: pytest.TempPathFactory, poetry: Poetry
) -> Callable[..., Installed]:
    """What the real `poetry install --no-root SELECTION` installs in a full copy
    of a template project (serially, so that every direct_url.json is written),
    worked out once per template, selection and variables: the reference the
    differential tests compare with."""
    done: dict[
        tuple[Path, tuple[str, ...], tuple[tuple[str, str], ...]], Installed
    ] = {}

    def install(template: Path, *selection: str, **variables: str) -> Installed:
        key = (template, selection, tuple(sorted(variables.items())))
        if key not in done:
            project = copy_project(template, tmp_path_factory.mktemp("reference") / "p")
            poetry.serial().run(
                "install",
                "--no-root",
                *selection,
                cwd=project,
                env={"POETRY_VIRTUALENVS_IN_PROJECT": "true", **variables},
            )
            done[key] = installed_set(project / ".venv", project)
        return done[key]

    return install
