"""`poetry lock-slice --format pylock` writes a PEP 751 pylock.toml from which
uv and pip, with no Poetry at all, install the distributions that
`poetry install --no-root SEL` installs in the full project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest
import tomlkit

from packaging.markers import default_environment
from packaging.pylock import Pylock
from packaging.version import Version
from uv import find_uv_bin

from tests.support import venvs
from tests.support.index import PackageIndex
from tests.support.poetry_cli import PYTHON
from tests.support.poetry_cli import installed_set
from tests.support.poetry_cli import make_venv
from tests.support.projects import PRIVATE
from tests.support.projects import PRIVATE_PASSWORD
from tests.support.projects import PRIVATE_USER
from tests.support.projects import PUBLIC
from tests.support.projects import copy_project
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
    from tests.support.projects import Fixtures


# The writer's contact with Poetry (its repositories' lookups) is the same from
# 2.0 to 2.5 but for what an index's links carry (size and upload time from 2.3):
# the whole suites, on the oldest and the newest Poetry, run these.
pytestmark = pytest.mark.e2e

# Without pyproject.toml every locked group (main, dev, docs) is a default one.
SELECTIONS = [
    pytest.param([], [], id="default"),
    pytest.param(["--only", "main"], ["--group", "main"], id="only-main"),
    pytest.param(["-E", "fancy"], ["--extra", "fancy"], id="extras"),
    pytest.param(["--only", "dev"], ["--group", "dev"], id="only-dev"),
    pytest.param(["--all-groups", "--all-extras"], ["--all-extras"], id="everything"),
]


def distributions(installed: Installed) -> set[tuple[str, str]]:
    """Name and version of each distribution, less the pip a virtualenv seeds.
    (uv and pip record a URL's hash in its direct_url.json, Poetry does not.)"""
    return {(name, version) for name, version, _ in installed if name != "pip"}


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """The private source's credentials in a netrc file, which uv and pip
    read; and neither's own configuration."""
    netrc = tmp_path / "netrc"
    netrc.write_text(
        f"machine 127.0.0.1 login {PRIVATE_USER} password {PRIVATE_PASSWORD}\n"
    )
    variables = {
        k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))
    }
    return {**variables, "NETRC": str(netrc), "PIP_CONFIG_FILE": os.devnull}


def pylock(poetry: Poetry, directory: Path, destination: Path, *options: str) -> Path:
    output = destination / "pylock.toml"
    poetry.run(
        "lock-slice", "--format", "pylock", *options, "-o", str(output), cwd=directory
    )
    return output


def uv_sync(
    file: Path,
    venv: Path,
    fixtures: Fixtures,
    environment: dict[str, str],
    *options: str,
) -> Installed:
    """`uv pip sync pylock.toml OPTIONS` into a fresh `uv venv` (the build
    requirements of what uv builds from the tests' index)."""
    uv = str(find_uv_bin())
    subprocess.run(
        [uv, "venv", "-q", "--python", str(PYTHON), str(venv)],
        check=True,
        env=environment,
    )
    index = ["--default-index", fixtures.index.simple_url(PUBLIC)]
    command = [uv, "pip", "sync", str(file), "--python", str(venvs.python(venv))]
    subprocess.run(
        [*command, *index, *options], check=True, env=environment, capture_output=True
    )
    return installed_set(venv)


@pytest.mark.parametrize(("selection", "_"), SELECTIONS)
def test_uv_installs_the_slice_as_poetry_install_no_root(
    selection: list[str],
    _: list[str],
    file_git_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    fixtures: Fixtures,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    locked = lock_only_copy(file_git_template, tmp_path / "locked")
    file = pylock(poetry, locked, tmp_path / "out", *selection)

    installed = uv_sync(file, tmp_path / "venv", fixtures, environment)

    expected = poetry_install_no_root(
        file_git_template, *with_optional_groups(selection)
    )
    assert distributions(installed) == distributions(expected)


@pytest.fixture(scope="module")
def multi_use(
    file_git_template: Path, poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    directory = tmp_path_factory.mktemp("multi-use")
    locked = lock_only_copy(file_git_template, directory / "locked")
    return pylock(poetry, locked, directory / "out", "--multi-use")


@pytest.mark.parametrize(("selection", "choice"), SELECTIONS)
def test_a_multi_use_file_installs_what_each_selection_installs(
    selection: list[str],
    choice: list[str],
    multi_use: Path,
    file_git_template: Path,
    poetry_install_no_root: Callable[..., Installed],
    fixtures: Fixtures,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    expected = distributions(
        poetry_install_no_root(file_git_template, *with_optional_groups(selection))
    )

    installed = uv_sync(multi_use, tmp_path / "venv", fixtures, environment, *choice)
    assert distributions(installed) == expected

    # packaging's own reading of the file agrees: what it selects, by name and
    # version (source trees, such as a git package, have no version there).
    document = Pylock.from_dict(tomlkit.parse(multi_use.read_text()).unwrap())
    groups = [choice[i + 1] for i, o in enumerate(choice) if o == "--group"]
    extras = [choice[i + 1] for i, o in enumerate(choice) if o == "--extra"]
    if "--all-extras" in choice:
        extras = [str(e) for e in document.extras or []]
    selected = document.select(
        environment=default_environment(),
        extras=extras,
        dependency_groups=groups or None,
    )
    names = {str(package.name) for package, _ in selected}
    assert names == {name for name, _ in expected}


def test_beside_pyproject_the_pylock_is_of_what_poetry_install_installs(
    file_git_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    fixtures: Fixtures,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    """Sliced beside pyproject.toml: the optional docs group is left out."""
    project = copy_project(file_git_template, tmp_path / "project")
    file = pylock(poetry, project, tmp_path / "out")

    installed = uv_sync(file, tmp_path / "venv", fixtures, environment)

    assert distributions(installed) == distributions(
        poetry_install_no_root(file_git_template)
    )


def test_a_directory_dependency_is_installed_editable_from_its_relative_path(
    pathapp_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    fixtures: Fixtures,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    locked = lock_only_copy(pathapp_template, tmp_path / "locked")
    shutil.copytree(pathapp_template / "libs", locked / "libs")
    file = pylock(poetry, locked, locked)  # relative to the file: ./libs/...
    assert 'path = "./libs/localpkg"' in file.read_text()

    installed = uv_sync(file, tmp_path / "venv", fixtures, environment)

    assert distributions(installed) == distributions(
        poetry_install_no_root(pathapp_template)
    )
    (localpkg,) = (row for row in installed if row[0] == "localpkg")
    assert '"editable": true' in localpkg[2]


PIP = version("pip")


@pytest.mark.skipif(
    Version(PIP) < Version("26.1"),
    reason=f"pip {PIP} installs no pylock.toml (from 26.1 it does;"
    " requirements-test.txt pins one that does, on Python >= 3.10)",
)
def test_pip_installs_the_slice_as_poetry_install_no_root(
    index_template: Path,
    poetry: Poetry,
    poetry_install_no_root: Callable[..., Installed],
    fixtures: Fixtures,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    """pip 26 installs a pylock.toml whose packages it can check by hash: from
    indexes and URLs (not from git, which it cannot hash)."""
    locked = lock_only_copy(index_template, tmp_path / "locked")
    file = pylock(poetry, locked, tmp_path / "out")
    venv = make_venv(tmp_path / "venv")

    pip = [sys.executable, "-m", "pip", "--python", str(venvs.python(venv))]
    index = ["--index-url", fixtures.index.simple_url(PUBLIC)]
    subprocess.run(
        [*pip, "install", "--no-input", "-q", "-r", str(file), *index],
        check=True,
        env=environment,
        capture_output=True,
    )

    assert distributions(installed_set(venv)) == distributions(
        poetry_install_no_root(index_template)
    )


@pytest.fixture
def shrinking_index(
    tmp_path: Path, poetry: Poetry
) -> Iterator[tuple[Path, PackageIndex]]:
    """A project locked against an index of its own, which the test may change."""
    index = PackageIndex(tmp_path / "index")
    index.start()
    serve_packages(index)
    project = tmp_path / "indexapp"
    write_index_app(project, index)
    poetry.run("lock", cwd=project)
    yield project, index
    index.stop()


def test_a_package_whose_files_the_source_no_longer_serves_is_one_line_and_no_file(
    shrinking_index: tuple[Path, PackageIndex], poetry: Poetry, tmp_path: Path
) -> None:
    project, index = shrinking_index
    (index.root / PUBLIC / "files" / "alpha-1.0-py3-none-any.whl").unlink()
    index.refresh(PUBLIC, "alpha")
    output = tmp_path / "out" / "pylock.toml"

    result = poetry.run(
        "lock-slice", "--format", "pylock", "-o", str(output), cwd=project, check=False
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"alpha 1.0: source local ({index.simple_url(PUBLIC).rstrip('/')}) serves"
        " none of its"
        " locked files (alpha-1.0-py3-none-any.whl): run `poetry lock` if they were"
        " removed, or check the source's settings and credentials.\n"
    )
    assert not output.parent.exists() or not any(output.parent.iterdir())


def test_a_source_that_refuses_the_credentials_is_said(
    index_template: Path, poetry: Poetry, fixtures: Fixtures, tmp_path: Path
) -> None:
    project = copy_project(index_template, tmp_path / "project")
    result = poetry.run(
        "lock-slice",
        "--format",
        "pylock",
        cwd=project,
        check=False,
        env={f"POETRY_HTTP_BASIC_{PRIVATE.upper()}_PASSWORD": "wrong"},
    )

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"Cannot look up secretpkg 1.0 in source {PRIVATE}"
        f" ({fixtures.index.simple_url(PRIVATE).rstrip('/')}): its page answers HTTP 401"
        f" Unauthorized: check the credentials Poetry has for source {PRIVATE}"
        f" (http-basic.{PRIVATE}, POETRY_HTTP_BASIC_*, keyring).\n"
    )
