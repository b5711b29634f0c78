"""The environment choice in lock-only mode, with Poetry's real EnvManager."""

from __future__ import annotations

import re
import sys

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cleo.io.null_io import NullIO
from poetry.utils.env import EnvManager

from poetry_plugin_install_locked import project
from poetry_plugin_install_locked.environment import select_lock_only_environment
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.install_command import InstallLockedCommand
from poetry_plugin_install_locked.project import load_project
from poetry_plugin_install_locked.slice_command import LockSliceCommand
from tests.support.locks import LOCK
from tests.support.poetry_cli import make_venv


if TYPE_CHECKING:
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


@pytest.fixture
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "POETRY_VIRTUALENVS_IN_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POETRY_VIRTUALENVS_PATH", str(tmp_path / "cache-venvs"))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "poetry.lock").write_text(LOCK)
    return tmp_path / "app"


def no_real_project() -> Poetry:
    raise AssertionError("lock-only mode must not load pyproject.toml")


def stub(directory: Path, project_name: str | None = None) -> Poetry:
    return load_project(
        directory,
        NullIO(),
        real_poetry=no_real_project,
        project_name=project_name,
        disable_cache=False,
        looks_for_python=True,  # as install-locked loads it
    ).poetry


def select(directory: Path, project_name: str | None = None) -> Env:
    return select_lock_only_environment(
        stub(directory, project_name), NullIO(), name_known=project_name is not None
    )


def test_where_poetry_would_create_a_cache_dir_venv_dot_venv_is_created(
    directory: Path,
) -> None:
    env = select(directory)
    assert env.is_venv()
    assert env.path == directory / ".venv"


def test_an_existing_dot_venv_is_adopted(directory: Path) -> None:
    make_venv(directory / ".venv")
    marker = directory / ".venv" / "kept"
    marker.touch()
    assert select(directory).path == directory / ".venv"
    assert marker.exists()


def test_an_active_virtualenv_wins(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = tmp_path / "active"
    make_venv(active)
    monkeypatch.setenv("VIRTUAL_ENV", str(active))
    assert select(directory).path == active
    assert not (directory / ".venv").exists()


def test_without_virtualenv_creation_the_system_environment_is_used(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_VIRTUALENVS_CREATE", "false")
    assert not select(directory).is_venv()
    assert not (directory / ".venv").exists()


def test_in_project_false_needs_the_project_name(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_VIRTUALENVS_IN_PROJECT", "false")
    with pytest.raises(InstallLockedError, match="pass --project-name NAME"):
        select(directory)
    assert not (directory / ".venv").exists()


def test_with_the_project_name_poetrys_cache_dir_venv_is_used(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_VIRTUALENVS_IN_PROJECT", "false")
    env = select(directory, "app")

    expected = EnvManager.generate_env_name("app", str(directory))
    assert env.path.parent == tmp_path / "cache-venvs"
    assert env.path.name.startswith(f"{expected}-py")


def test_a_python_the_lock_does_not_allow_is_one_line(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Poetry looks for another interpreter the lock allows: only the running
    # one is on offer, so the search takes no time and finds none.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    for manager in ("PYENV_ROOT", "ASDF_DATA_DIR", "RYE_HOME", "UV_PYTHON_INSTALL_DIR"):
        monkeypatch.setenv(manager, str(tmp_path / "none"))
    disallow_this_python(directory)
    with pytest.raises(
        InstallLockedError,
        match=r"^Python 3\.\d+\.\d+ is not allowed by python-versions >=3\.99 in poetry\.lock",
    ) as error:
        select(directory)
    assert "\n" not in str(error.value)
    assert not (directory / ".venv").exists()


def disallow_this_python(directory: Path) -> None:
    lock = directory / "poetry.lock"
    lock.write_text(
        lock.read_text().replace(
            'python-versions = "^3.9"', 'python-versions = ">=3.99"'
        )
    )


def test_an_active_virtualenv_with_a_python_the_lock_does_not_allow(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = make_venv(tmp_path / "active")
    monkeypatch.setenv("VIRTUAL_ENV", str(active))
    disallow_this_python(directory)
    with pytest.raises(
        InstallLockedError,
        match=rf"^The active virtualenv {re.escape(str(active))} has Python"
        r" 3\.\d+\.\d+, which python-versions >=3\.99 in poetry\.lock does not"
        r" allow: deactivate it,",
    ):
        select(directory)


def test_the_system_python_the_lock_does_not_allow_without_virtualenvs(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_VIRTUALENVS_CREATE", "false")
    disallow_this_python(directory)
    with pytest.raises(
        InstallLockedError,
        match=r"^Python 3\.\d+\.\d+ \(.*\) is not allowed by python-versions >=3\.99"
        r" in poetry\.lock, and virtualenvs\.create is false: run with an"
        r" interpreter \(or base image\) the lock allows\.$",
    ):
        select(directory)


@pytest.mark.parametrize("installs", [True, False])
def test_only_a_command_that_installs_looks_for_a_python_while_the_lock_is_read(
    directory: Path, monkeypatch: pytest.MonkeyPatch, installs: bool
) -> None:
    # lock-slice never creates a virtualenv: nothing is spent finding a Python.
    looked_in: list[Path] = []
    monkeypatch.setattr(
        project, "start_looking_for_python", lambda _, where: looked_in.append(where)
    )
    load_project(
        directory,
        NullIO(),
        real_poetry=no_real_project,
        project_name=None,
        disable_cache=False,
        looks_for_python=installs,
    )
    assert looked_in == ([directory] if installs else [])


def test_install_locked_looks_for_a_python_and_lock_slice_does_not() -> None:
    assert InstallLockedCommand.installs
    assert not LockSliceCommand.installs
