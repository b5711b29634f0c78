"""The lock-only Locker and Config: Poetry's, with the lock as the only truth.

Without pyproject.toml there is nothing for the lock to be stale against, and
nothing to re-resolve from: the lock's groups and markers decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from poetry.config.config import Config
from poetry.packages.locker import Locker
from poetry.repositories.lockfile_repository import LockfileRepository
from poetry.toml import TOMLFile

from poetry_plugin_install_locked.lock_file import LOCAL_SOURCES


if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import Sequence
    from pathlib import Path

    from cleo.io.io import IO

    from poetry_plugin_install_locked.lock_file import LockFile


RE_RESOLVE = "installer.re-resolve"


class LockOnlyLocker(Locker):
    """A locker with no pyproject.toml to be stale against: the lock is the truth.

    It serves the lock data the lock reader has already parsed and checked, so
    the file is read once; and it hands the installer's locked repository the
    packages built while checking them. (Poetry's installer builds the locked
    packages once more, without their dependencies, for their groups and
    markers: `locked_packages()`.)
    """

    def __init__(self, lock: LockFile) -> None:
        super().__init__(lock.path, {})
        self._data = lock.data
        self._built: LockfileRepository | None = None

    @property
    def lock_data(self) -> dict[str, Any]:
        return self._data

    def is_fresh(self) -> bool:
        return True

    def build_package(self, info: Mapping[str, Any]) -> None:
        """Build one package as the installer will, dependencies included.

        Building its dependency as well is where a malformed source URL fails.
        Raises whatever Poetry raises for data it cannot read.
        """
        package = self._get_locked_package(dict(info))
        if package.source_type not in LOCAL_SOURCES:
            package.to_dependency()
        if self._built is None:
            self._built = LockfileRepository()
        self._built.add_package(package)

    def locked_repository(self) -> LockfileRepository:
        built, self._built = self._built, None
        return built if built is not None else super().locked_repository()


class LockOnlyConfig(Config):
    """Poetry's configuration as the installer reads it in lock-only mode: the
    same settings (the very same state), except that the lock's groups and
    markers decide.

    Re-resolving needs the root's dependency specifications, which only
    pyproject.toml holds; POETRY_INSTALLER_RE_RESOLVE would otherwise win over
    a merged value, hence an override rather than a merge. A view, rather than
    Poetry's process-wide configuration made of this class, so that nothing
    else Poetry reads changes.
    """

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.__dict__.update(config.__dict__)

    def get(self, setting_name: str | Sequence[str], default: Any = None) -> Any:
        if setting_name == RE_RESOLVE:
            return False
        return super().get(setting_name, default)


def wants_re_resolve(config: Config) -> bool:
    """Whether Poetry's configuration asks to resolve again (by default before
    Poetry 2.3), which `poetry install` will do beside pyproject.toml."""
    return bool(config.get(RE_RESOLVE))


def load_lock_only_config(directory: Path, io: IO) -> Config:
    """The user's global configuration and POETRY_* variables, read afresh, and
    a poetry.toml beside the lock, as Poetry reads one beside pyproject.toml."""
    config = Config.create(reload=True)
    local_config = TOMLFile(directory / "poetry.toml")
    if local_config.exists():
        if io.is_debug():
            io.write_error_line(f"Loading configuration file {local_config.path}")
        config.merge(local_config.read())
    return config
