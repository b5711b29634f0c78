"""Every contact with Poetry internals that differ across Poetry 2.x, in one place.

Each piece here is exercised by the test suite on every Poetry version the
package declares; nothing else in the plugin touches these details.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry.config.config import Config
from poetry.installation.installer import Installer
from poetry.packages.locker import Locker
from poetry.repositories.lockfile_repository import LockfileRepository


if TYPE_CHECKING:
    from collections.abc import Sequence

    from cleo.io.io import IO
    from poetry.console.application import Application
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


RE_RESOLVE = "installer.re-resolve"
LOCAL_SOURCES = ("directory", "file")


class LockOnlyLocker(Locker):
    """A locker with no pyproject.toml to be stale against: the lock is the truth."""

    _checked: LockfileRepository | None = None

    def is_fresh(self) -> bool:
        return True

    def unreadable_package(self) -> tuple[str, Exception] | None:
        """The first package Poetry's installer could not read, and why.

        Poetry parses the lock lazily, mid-install, and a field it cannot read
        surfaces there as a traceback; building every package up front, and its
        dependency (where a malformed source URL fails), as the installer will,
        lets the command stop first with one line naming it. (Local paths get
        their own check, check_local_paths, without Poetry's warnings.)
        The packages built here are the installer's first `locked_repository()`,
        so the check costs no second parse.
        """
        repository = LockfileRepository()
        for info in self.lock_data["package"]:
            try:
                package = self._get_locked_package(info)
                if package.source_type not in LOCAL_SOURCES:
                    package.to_dependency()
            except (AttributeError, KeyError, TypeError, ValueError) as e:
                return str(info.get("name")), e
            repository.add_package(package)
        self._checked = repository
        return None

    def locked_repository(self) -> LockfileRepository:
        checked, self._checked = self._checked, None
        return checked if checked is not None else super().locked_repository()


class LockOnlyConfig(Config):
    """Poetry's configuration, except that the lock's groups and markers decide.

    Re-resolving needs the root's dependency specifications, which only
    pyproject.toml holds; POETRY_INSTALLER_RE_RESOLVE would otherwise win over
    a merged value, hence an override rather than a merge.
    """

    def get(self, setting_name: str | Sequence[str], default: Any = None) -> Any:
        if setting_name == RE_RESOLVE:
            return False
        return super().get(setting_name, default)

    def wants_re_resolve(self) -> bool:
        return bool(super().get(RE_RESOLVE, False))


def load_lock_only_config() -> LockOnlyConfig:
    """The user's global configuration and POETRY_* variables, read afresh."""
    config = LockOnlyConfig.create(reload=True)
    assert isinstance(config, LockOnlyConfig)
    return config


def create_installer(io: IO, env: Env, poetry: Poetry) -> Installer:
    """Build the installer exactly as `poetry install` does."""
    extra: dict[str, Any] = {}
    if hasattr(poetry, "build_constraints"):  # Poetry >= 2.2
        extra["build_constraints"] = poetry.build_constraints
    return Installer(
        io,
        env,
        poetry.package,
        poetry.locker,
        poetry.pool,
        poetry.config,
        disable_cache=poetry.disable_cache,
        **extra,
    )


def keyring_preflight(io: IO, config: Config) -> None:
    """Poetry checks the keyring backend before installing (Poetry >= 2.1)."""
    from poetry.utils.password_manager import PoetryKeyring

    preflight = getattr(PoetryKeyring, "preflight_check", None)
    if preflight is not None:
        preflight(io, config)


def python_version_errors() -> tuple[type[Exception], ...]:
    """The errors EnvManager raises when no allowed Python can be used."""
    try:
        from poetry.utils.env.python.exceptions import PythonVersionError
    except ImportError:  # Poetry < 2.1 kept them with the other env errors
        from poetry.utils.env import InvalidCurrentPythonVersionError  # type: ignore[attr-defined, unused-ignore]
        from poetry.utils.env import NoCompatiblePythonVersionFoundError  # type: ignore[attr-defined, unused-ignore]

        return (InvalidCurrentPythonVersionError, NoCompatiblePythonVersionFoundError)
    return (PythonVersionError,)


def python_finder() -> Any:
    """Poetry's interpreter discovery class (moved in Poetry 2.1)."""
    try:
        from poetry.utils.env.python import Python
    except ImportError:
        from poetry.utils.env.python_manager import Python  # type: ignore[import-not-found, no-redef, unused-ignore]
    return Python


def project_directory(application: Application) -> Path:
    """The directory named by -P/-C, or the working directory (public in 2.1)."""
    directory = getattr(application, "project_directory", None)
    if directory is None:  # Poetry 2.0
        directory = application._project_directory
    assert isinstance(directory, Path)
    return directory
