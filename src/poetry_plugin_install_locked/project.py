"""The project: the real one beside pyproject.toml, or the one poetry.lock alone
describes. Which of the two is decided once, by load_project(); each prepares
the install and the slice, and says what its user should know.

Beside pyproject.toml the commands are `poetry install --no-root` and its slice,
and Poetry's own Factory loads everything, freshness check included. With
poetry.lock alone the same Poetry object is assembled from the lock: a stub
root package, a locker that trusts the lock, the lock's sources, and Poetry's
configuration (global, POETRY_* variables and a poetry.toml beside the lock).
"""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from typing import TYPE_CHECKING

from poetry.core.factory import Factory
from poetry.poetry import Poetry

from poetry_plugin_install_locked.environment import installed_project
from poetry_plugin_install_locked.environment import select_environment
from poetry_plugin_install_locked.environment import select_lock_only_environment
from poetry_plugin_install_locked.environment import start_looking_for_python
from poetry_plugin_install_locked.environment import target_environment
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import LOCK_FILE_NAME
from poetry_plugin_install_locked.lock_file import check_local_paths
from poetry_plugin_install_locked.lock_file import check_readable
from poetry_plugin_install_locked.lock_file import missing_directory
from poetry_plugin_install_locked.lock_file import read_lock_file
from poetry_plugin_install_locked.lock_only import LockOnlyConfig
from poetry_plugin_install_locked.lock_only import LockOnlyLocker
from poetry_plugin_install_locked.lock_only import load_lock_only_config
from poetry_plugin_install_locked.lock_only import wants_re_resolve
from poetry_plugin_install_locked.package_sources import create_pool
from poetry_plugin_install_locked.poetry_support import ensure_project_plugins
from poetry_plugin_install_locked.stub_manifest import build_stub_package


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Collection
    from pathlib import Path

    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.core.packages.project_package import ProjectPackage
    from poetry.utils.env import Env

    from poetry_plugin_install_locked.lock_file import LockFile
    from poetry_plugin_install_locked.lock_slice import Selection
    from poetry_plugin_install_locked.lock_slice import Slice


PYPROJECT = "pyproject.toml"


class Project(ABC):
    """What the commands need of the project, whichever its mode."""

    origin: str
    """What knows the project's groups and extras, for messages."""

    def __init__(self, poetry: Poetry, project_name: str | None) -> None:
        self.poetry = poetry
        self.project_name = project_name

    @abstractmethod
    def prepare_install(self, io: IO, *, no_directory: bool, no_plugins: bool) -> None:
        """What must hold, or be done, before any environment is touched."""

    @abstractmethod
    def environment(self, io: IO, *, uv: str | None) -> Env:
        """The environment to install into, found or created as Poetry would."""

    def announce(self, groups: Collection[str]) -> str | None:
        """What the install is about to do, beyond what Poetry prints."""
        return None

    def installer_root(self, env: Env, *, sync: bool) -> ProjectPackage:
        """The root package the installer installs the dependencies of."""
        return self.poetry.package

    @property
    def installer_config(self) -> Config:
        return self.poetry.config

    def explain(self, error: ValueError) -> InstallLockedError | None:
        """The installer's `error`, in words that fit this mode; None as it is."""
        return None

    @abstractmethod
    def slice(self, io: IO, selection: Selection, *, this_environment: bool) -> Slice:
        """The part of the lock `selection` installs (in this environment alone,
        with `this_environment`)."""

    def selection_warning(self, chose_groups: bool) -> str | None:
        """What the user should know of the selection."""
        return None

    def resolution_warning(self) -> str | None:
        """What the user should know of the later `poetry install`."""
        return None


class BesidePyproject(Project):
    """pyproject.toml and its lock: `poetry install --no-root`, exactly."""

    origin = "the project"

    def prepare_install(self, io: IO, *, no_directory: bool, no_plugins: bool) -> None:
        if self.project_name is not None:
            io.write_error_line(
                "<warning>Warning: --project-name is ignored beside pyproject.toml,"
                " which names the project"
                f" {self.poetry.package.pretty_name}.</warning>"
            )
        if not no_plugins:
            ensure_project_plugins(self.poetry, io)

    def environment(self, io: IO, *, uv: str | None) -> Env:
        return select_environment(self.poetry, io, uv=uv)

    def slice(self, io: IO, selection: Selection, *, this_environment: bool) -> Slice:
        # lock-slice's modules: loaded only when it runs.
        from poetry_plugin_install_locked.exact_slice import exact_slice

        env = target_environment(self.poetry, io)
        if this_environment:
            selection = selection.where(env.marker_env)
        return exact_slice(real_lock(self.poetry), self.poetry, selection, env)


class LockOnly(Project):
    """poetry.lock alone: its groups, markers and sources decide."""

    origin = "poetry.lock"

    def __init__(self, poetry: Poetry, project_name: str | None, lock: LockFile):
        super().__init__(poetry, project_name)
        self.lock = lock

    def prepare_install(self, io: IO, *, no_directory: bool, no_plugins: bool) -> None:
        check_local_paths(self.lock, skip_directories=no_directory)

    def environment(self, io: IO, *, uv: str | None) -> Env:
        return select_lock_only_environment(
            self.poetry, io, name_known=self.project_name is not None, uv=uv
        )

    def announce(self, groups: Collection[str]) -> str | None:
        selected = [group for group in self.lock.groups if group in groups]
        if not selected:
            return None
        return f"Installing the locked groups: <c1>{', '.join(selected)}</>"

    def installer_root(self, env: Env, *, sync: bool) -> ProjectPackage:
        # --sync spares the project itself, as `poetry install --sync` would.
        if sync and (name := installed_project(env, self.lock.path.parent)):
            return build_stub_package(self.lock, name)
        return self.poetry.package

    @property
    def installer_config(self) -> Config:
        return LockOnlyConfig(self.poetry.config)

    def explain(self, error: ValueError) -> InstallLockedError | None:
        return missing_directory(self.lock, error)

    def slice(self, io: IO, selection: Selection, *, this_environment: bool) -> Slice:
        # lock-slice's modules: loaded only when it runs.
        from poetry_plugin_install_locked.lock_slice import Slice
        from poetry_plugin_install_locked.lock_slice import slice_packages

        if this_environment:
            selection = selection.where(target_environment(self.poetry, io).marker_env)
        return Slice(self.lock, slice_packages(self.lock, selection))

    def selection_warning(self, chose_groups: bool) -> str | None:
        """Without pyproject.toml and without a choice, every group is selected."""
        if chose_groups or len(self.lock.groups) < 2:
            return None
        return (
            "poetry.lock does not record which groups are optional, so without"
            f" pyproject.toml all of them ({', '.join(self.lock.groups)}) are"
            " selected: narrow them with --only main (or --without NAME), or slice"
            " the lock beside pyproject.toml to have them as declared (the exact"
            " slice recipe, docs/docker.md)."
        )

    def resolution_warning(self) -> str | None:
        """Without pyproject.toml the lock's groups and markers decide; the later
        `poetry install` resolves again where Poetry's configuration says so."""
        if not wants_re_resolve(self.poetry.config):
            return None
        return (
            "installer.re-resolve is true (Poetry's default before 2.3), so `poetry"
            " install` beside pyproject.toml resolves again for its environment,"
            " where without pyproject.toml the lock's groups and markers decide, and"
            " the two can differ: set installer.re-resolve to false"
            " (POETRY_INSTALLER_RE_RESOLVE=false) for both (docs/usage.md)."
        )


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
        return LockOnly(poetry, project_name, lock)

    poetry = real_poetry()
    if not poetry.locker.is_locked():
        raise InstallLockedError(
            f"No {LOCK_FILE_NAME} beside {poetry.pyproject_path}: install-locked"
            " never resolves dependencies; run `poetry lock` first."
        )
    return BesidePyproject(poetry, project_name)


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
            lock.indexes,
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
