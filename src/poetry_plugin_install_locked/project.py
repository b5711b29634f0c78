"""The project to install: the real one when pyproject.toml is there, else the lock's.

Beside pyproject.toml the command is `poetry install --no-root` and Poetry's
own Factory loads everything, freshness check included. With poetry.lock alone
it assembles the same Poetry object from the lock: stub root package, a locker
that trusts the lock, the lock's sources, and Poetry's configuration (global,
POETRY_* variables and a poetry.toml beside the lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from poetry.core.factory import Factory
from poetry.poetry import Poetry

from poetry_plugin_install_locked.environment import start_looking_for_python
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import LOCK_FILE_NAME
from poetry_plugin_install_locked.lock_file import check_readable
from poetry_plugin_install_locked.lock_file import read_lock_file
from poetry_plugin_install_locked.lock_only import LockOnlyLocker
from poetry_plugin_install_locked.lock_only import load_lock_only_config
from poetry_plugin_install_locked.lock_only import wants_re_resolve
from poetry_plugin_install_locked.package_sources import create_pool
from poetry_plugin_install_locked.stub_manifest import build_stub_package


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from cleo.io.io import IO

    from poetry_plugin_install_locked.lock_file import LockFile


PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Project:
    poetry: Poetry
    lock: LockFile | None = None
    """The lock read by lock-only mode; None beside pyproject.toml."""

    @property
    def lock_only(self) -> bool:
        return self.lock is not None

    @property
    def re_resolve_ignored(self) -> bool:
        """Whether Poetry's configuration asks to resolve again, which lock-only
        mode cannot do (it needs pyproject.toml) and `poetry install` will."""
        return self.lock is not None and wants_re_resolve(self.poetry.config)


def load_project(
    directory: Path,
    io: IO,
    *,
    real_poetry: Callable[[], Poetry],
    project_name: str | None,
    disable_cache: bool,
    looks_for_python: bool = False,
) -> Project:
    """Lock-only mode when `directory` holds poetry.lock and no pyproject.toml.

    `real_poetry` is the application's own loader, used otherwise: like Poetry,
    it also finds a pyproject.toml in a parent directory. `looks_for_python`
    starts looking for the Python of a virtualenv to be created beside the
    lock while the lock is read: for a command that installs.
    """
    lock_path = directory / LOCK_FILE_NAME
    if not (directory / PYPROJECT).exists() and (
        lock_path.exists() or not _in_a_project(directory)
    ):
        lock = read_lock_file(lock_path)
        poetry = _lock_only_poetry(
            lock, io, project_name, disable_cache, looks_for_python
        )
        return Project(poetry, lock)

    poetry = real_poetry()
    if not poetry.locker.is_locked():
        raise InstallLockedError(
            f"No {LOCK_FILE_NAME} beside {poetry.pyproject_path}: install-locked"
            " never resolves dependencies; run `poetry lock` first."
        )
    return Project(poetry)


def _in_a_project(directory: Path) -> bool:
    try:
        Factory.locate(directory)
    except RuntimeError:
        return False
    return True


def _lock_only_poetry(
    lock: LockFile,
    io: IO,
    project_name: str | None,
    disable_cache: bool,
    looks_for_python: bool,
) -> Poetry:
    directory = lock.path.parent
    config = load_lock_only_config(directory, io)
    if looks_for_python:
        start_looking_for_python(config, directory)
    locker = LockOnlyLocker(lock)
    check_readable(lock, locker.build_package)
    poetry = Poetry(
        # Never read: it only locates the project directory, as it will
        # once pyproject.toml has been copied beside the lock.
        directory / PYPROJECT,
        {},
        build_stub_package(lock, project_name),
        locker,
        config,
        disable_cache=disable_cache,
    )
    poetry.set_pool(
        create_pool(
            lock.sources,
            config,
            io,
            uses_pypi=lock.uses_pypi,
            disable_cache=disable_cache,
        )
    )
    return poetry


def real_lock(poetry: Poetry) -> LockFile:
    """The lock beside pyproject.toml, checked as `poetry install` checks it."""
    if not poetry.locker.is_fresh():
        raise InstallLockedError(
            "pyproject.toml changed significantly since poetry.lock was last"
            " generated. Run `poetry lock` to fix the lock file."
        )
    return read_lock_file(poetry.locker.lock, beside_pyproject=True)
