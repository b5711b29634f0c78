"""Every contact with Poetry internals that differ across Poetry 2.x, in one place.

Each piece here is exercised by the test suite on every Poetry version the
package declares; nothing else in the plugin touches these details. What the
plugin needs of them is listed in INTERNALS and checked before anything runs,
so that a Poetry release that renames one is reported as unsupported, never
as a problem of the user's lock.
"""

from __future__ import annotations

import importlib
import inspect
import threading

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from poetry.config.config import Config
from poetry.console.application import Application
from poetry.console.commands.group_command import GroupCommand
from poetry.core.packages.utils.link import Link
from poetry.installation.chooser import Chooser
from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.installation.operations import Install
from poetry.packages.locker import Locker
from poetry.repositories import RepositoryPool
from poetry.repositories.http_repository import HTTPRepository
from poetry.repositories.lockfile_repository import LockfileRepository
from poetry.repositories.repository import Repository
from poetry.utils.password_manager import PasswordManager

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.exceptions import unsupported_poetry_message
from poetry_plugin_install_locked.installed import interrupted_installs


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from collections.abc import Sequence

    from cleo.io.inputs.option import Option
    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.core.packages.project_package import ProjectPackage
    from poetry.installation.operations.operation import Operation
    from poetry.poetry import Poetry
    from poetry.utils.env import Env

    from poetry_plugin_install_locked.lock_file import LockFile


RE_RESOLVE = "installer.re-resolve"
Deferral = tuple["Callable[[Operation], bool]", "Callable[[list[Operation]], None]"]
LOCAL_SOURCES = ("directory", "file")
URL_REFERENCE_SOURCES = ("git", "url", "file", "directory")


@dataclass(frozen=True)
class Internal:
    """A Poetry attribute the plugin relies on, and the parameters it passes."""

    owner: type[Any]
    name: str
    parameters: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.owner.__name__}.{self.name}"

    def problem(self) -> str | None:
        member = inspect.getattr_static(self.owner, self.name, None)
        if member is None:
            return f"it has no {self}"
        if not self.parameters:
            return None
        try:
            accepted = inspect.signature(getattr(self.owner, self.name)).parameters
        except (TypeError, ValueError):
            return f"{self} cannot be inspected"
        missing = [p for p in self.parameters if p not in accepted]
        if missing:
            return f"{self} takes no {', '.join(missing)}"
        return None


# What the plugin relies on. Parameters are named where the plugin passes them
# by keyword; those it passes by position, or not at all, are not checked.
INTERNALS = (
    Internal(Locker, "_get_locked_package"),
    Internal(Locker, "lock_data"),
    Internal(Locker, "locked_repository"),
    Internal(Installer, "__init__", ("executor", "disable_cache")),
    Internal(Executor, "__init__", ("disable_cache",)),
    Internal(Executor, "_save_url_reference"),
    Internal(Executor, "_execute_install"),
    Internal(Executor, "_execute_update"),
    Internal(Executor, "_execute_uninstall"),
    Internal(Executor, "enable_bytecode_compilation"),
    Internal(Chooser, "choose_for"),
    Internal(Repository, "find_links_for_package"),
    Internal(RepositoryPool, "__init__", ("config",)),
    Internal(RepositoryPool, "all_repositories"),
    Internal(PasswordManager, "get_http_auth"),
    Internal(Config, "create", ("reload",)),
    Internal(GroupCommand, "_group_dependency_options"),
    Internal(GroupCommand, "activated_groups"),
)


class UnsupportedPoetryError(InstallLockedError):
    """The running Poetry lacks an internal this plugin version relies on."""


def check_poetry_supported() -> None:
    """Stop with one line if this Poetry lacks an internal the plugin uses."""
    problems = [p for internal in INTERNALS if (p := internal.problem())]
    if not any(
        inspect.getattr_static(Application, name, None) is not None
        for name in ("project_directory", "_project_directory")
    ):
        problems.append("it has no Application.project_directory")
    try:
        python_finder()
        python_version_errors()
    except ImportError as e:
        problems.append(f"it has no {e.name}")
    if problems:
        raise unsupported_poetry("; ".join(problems))


def unsupported_poetry(problem: str) -> UnsupportedPoetryError:
    return UnsupportedPoetryError(unsupported_poetry_message(problem))


def group_options() -> list[Option]:
    """Poetry's --with/--without/--only, as its own install command declares them.

    Read when the command class is defined, so a Poetry without them must not
    fail the plugin's import: check_poetry_supported() reports it instead.
    """
    options = getattr(GroupCommand, "_group_dependency_options", None)
    return list(options()) if options is not None else []


class LockOnlyLocker(Locker):
    """A locker with no pyproject.toml to be stale against: the lock is the truth.

    It reads the lock data the lock reader has already parsed and checked, and
    hands the installer the packages built while checking them, so that neither
    the file nor its packages are parsed twice.
    """

    def __init__(self, lock: LockFile) -> None:
        super().__init__(lock.path, {})
        self._lock_data = lock.data
        self._built: LockfileRepository | None = None

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


class UrlReferenceExecutor(Executor):
    """Poetry's executor, and afterwards every direct_url.json it should have written.

    Poetry's executor writes a package's direct_url.json after installing it,
    looking the fresh distribution up through importlib.metadata, whose
    directory listing is cached by the directory's modification time. With
    parallel workers another worker's install can land in the same clock tick,
    the lookup is served from a stale listing, and no direct_url.json is
    written; the next `poetry install` then reinstalls the package. Once every
    worker is done, the caches are invalidated and each package this run
    installed from git, a URL, a file or a directory that lacks one gets it,
    written by Poetry's own code.
    """

    _skip_url_references = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._installed: list[Operation] = []

    def dry_run(self, dry_run: bool = True) -> Executor:
        self._skip_url_references = dry_run
        return super().dry_run(dry_run)

    def execute(self, operations: list[Operation]) -> int:
        self._installed = []
        self._reinstall_interrupted(operations)
        status = super().execute(operations)
        if self.enabled and not self._skip_url_references:
            self._complete_url_references()
        return status

    def _reinstall_interrupted(self, operations: list[Operation]) -> None:
        """A package whose install was cut short leaves a dist-info that Poetry
        takes as installed, and skips: install it again, so that a re-run after
        Ctrl-C or `docker stop` converges."""
        interrupted = interrupted_installs(self._env)
        for i, operation in enumerate(operations):
            package = operation.package
            if (
                operation.skipped
                and operation.skip_reason == "Already installed"
                and package.name in interrupted
            ):
                self._io.write_line(
                    f"  - Reinstalling <c1>{package.pretty_name}</c1>"
                    f" (<c2>{package.full_pretty_version}</c2>):"
                    " an earlier install did not finish"
                )
                operations[i] = Install(package, priority=int(operation.priority))

    def _execute_install(self, operation: Any) -> int:
        return self._installing(operation, super()._execute_install(operation))

    def _execute_update(self, operation: Any) -> int:
        return self._installing(operation, super()._execute_update(operation))

    def _installing(self, operation: Operation, status: int) -> int:
        """Note what this run installed: only that is completed afterwards."""
        if status == 0 and operation.package.source_type in URL_REFERENCE_SOURCES:
            self._installed.append(operation)
        return status

    def _complete_url_references(self) -> None:
        if not self._installed:
            return
        importlib.invalidate_caches()
        for operation in self._installed:
            if self._lacks_url_reference(operation.package):
                self._save_url_reference(operation)

    def _lacks_url_reference(self, package: Package) -> bool:
        return any(
            dist.version == package.version.text
            and dist.read_text("direct_url.json") is None
            for dist in self._env.site_packages.distributions(
                name=package.name, writable_only=True
            )
        )


class DeferringExecutor(UrlReferenceExecutor):
    """Poetry's executor, which hands the operations on packages `defers` picks
    to `run_deferred` once its own are done.

    Poetry still plans, orders, prints and counts every operation (dry runs and
    skipped ones included); only the installing, updating and removing of the
    deferred packages happens elsewhere, all at once.
    """

    def __init__(
        self,
        *args: Any,
        defers: Callable[[Operation], bool],
        run_deferred: Callable[[list[Operation]], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._defers = defers
        self._run_deferred = run_deferred
        self._deferred: list[Operation] = []

    def execute(self, operations: list[Operation]) -> int:
        self._deferred = []
        status = super().execute(operations)
        if status == 0 and not self._skip_url_references:
            # Worker threads recorded them in the order they ran: not that.
            self._run_deferred(sorted(self._deferred, key=lambda op: op.package.name))
        return status

    def _defer(self, operation: Operation) -> bool:
        if not self._defers(operation):
            return False
        self._deferred.append(operation)
        return True

    def _execute_install(self, operation: Any) -> int:
        return 0 if self._defer(operation) else super()._execute_install(operation)

    def _execute_update(self, operation: Any) -> int:
        return 0 if self._defer(operation) else super()._execute_update(operation)

    def _execute_uninstall(self, operation: Any) -> int:
        return 0 if self._defer(operation) else super()._execute_uninstall(operation)


class LockedFilesRepository(Repository):
    """A repository whose links are the files the lock records, with their hashes:
    enough for Poetry's Chooser to choose an artifact, and no network."""

    def find_links_for_package(self, package: Package) -> list[Link]:
        return [
            Link(f"https://locked.invalid/{f['file']}#{f['hash'].replace(':', '=', 1)}")
            for f in package.files
        ]


class ArtifactChooser:
    """Poetry's choice of artifact for a package (its Chooser, with the
    environment's tags and installer.no-binary/only-binary), made from the
    lock's files alone: no network."""

    def __init__(self, env: Env, config: Config) -> None:
        self._env = env
        self._config = config
        self._lock = threading.Lock()

    def choose(self, package: Package) -> tuple[str, str] | None:
        """The chosen file's name and hash; None where Poetry's own executor
        must decide (a package whose lock entry lists no files, or no file
        Poetry would take: its executor says why)."""
        if not package.files:
            return None
        name = (package.source_type and package.source_reference) or "pypi"
        pool = RepositoryPool([LockedFilesRepository(name)], config=self._config)
        try:
            with self._lock:  # called from Poetry's worker threads
                link = Chooser(pool, self._env, self._config).choose_for(package)
        except Exception:  # noqa: BLE001 - Poetry's executor reports it
            return None
        algorithm, digest = next(iter(link.hashes.items()))
        return link.filename, f"{algorithm}:{digest}"


def package_indexes(pool: RepositoryPool) -> list[tuple[str, str]]:
    """The pool's package indexes (explicit sources too): name and URL."""
    return [
        (repository.name, repository.url)
        for repository in pool.all_repositories
        if isinstance(repository, HTTPRepository)
    ]


def http_credentials(config: Config, name: str) -> tuple[str | None, str | None]:
    """A source's credentials, as Poetry finds them: its configuration,
    POETRY_HTTP_BASIC_* variables, keyring."""
    credential = PasswordManager(config).get_http_auth(name)
    return credential.username, credential.password


def create_installer(
    io: IO,
    env: Env,
    poetry: Poetry,
    package: ProjectPackage,
    deferral: Deferral | None = None,
) -> Installer:
    """Build the installer as `poetry install` does, with that executor (one that
    hands some operations to another installer, given a `deferral`: which ones,
    and what carries them out)."""
    options: dict[str, Any] = {"disable_cache": poetry.disable_cache}
    if "build_constraints" in inspect.signature(Executor).parameters:
        options["build_constraints"] = poetry.build_constraints  # Poetry >= 2.3
    if deferral is not None:
        options["defers"], options["run_deferred"] = deferral
        executor: Executor = DeferringExecutor(
            env, poetry.pool, poetry.config, io, **options
        )
    else:
        executor = UrlReferenceExecutor(env, poetry.pool, poetry.config, io, **options)
    return Installer(
        io,
        env,
        package,
        poetry.locker,
        poetry.pool,
        poetry.config,
        executor=executor,
        disable_cache=poetry.disable_cache,
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
