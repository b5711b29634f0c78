"""The executors and the installer built around them, as `poetry install` builds it.

Poetry's executor, with two additions: every direct_url.json its parallel
workers missed is completed, and an install an interrupted run left half-done
is done again. With a deferral (`--installer uv`), the operations it takes are
handed to it once Poetry's own are done.
"""

from __future__ import annotations

import importlib

from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol

from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.installation.operations import Install

from poetry_plugin_install_locked.installed import interrupted_installs
from poetry_plugin_install_locked.poetry_support import executor_options


if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.core.packages.package import Package
    from poetry.core.packages.project_package import ProjectPackage
    from poetry.installation.operations import Uninstall
    from poetry.installation.operations import Update
    from poetry.installation.operations.operation import Operation
    from poetry.poetry import Poetry
    from poetry.repositories import RepositoryPool
    from poetry.utils.env import Env


class Deferral(Protocol):
    """Another installer, to which Poetry's executor hands some operations."""

    def takes(self, operation: Operation) -> bool:
        """Whether it carries out `operation`, rather than Poetry's executor."""

    def run(self, operations: list[Operation]) -> None:
        """Carry out the operations it took, once Poetry's own are done."""


URL_REFERENCE_SOURCES = ("git", "url", "file", "directory")


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

    def __init__(
        self, env: Env, pool: RepositoryPool, config: Config, io: IO, **options: Any
    ) -> None:
        super().__init__(env, pool, config, io, **options)
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

    def _execute_install(self, operation: Install | Update) -> int:
        return self._installing(operation, super()._execute_install(operation))

    def _execute_update(self, operation: Install | Update) -> int:
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
    """Poetry's executor, which hands the operations its deferral takes to the
    deferral once its own are done.

    Poetry still plans, orders, prints and counts every operation (dry runs and
    skipped ones included); only the installing, updating and removing of the
    deferred packages happens elsewhere, all at once.
    """

    def __init__(
        self,
        env: Env,
        pool: RepositoryPool,
        config: Config,
        io: IO,
        *,
        deferral: Deferral,
        **options: Any,
    ) -> None:
        super().__init__(env, pool, config, io, **options)
        self._deferral = deferral
        self._deferred: list[Operation] = []

    def execute(self, operations: list[Operation]) -> int:
        self._deferred = []
        status = super().execute(operations)
        if status == 0 and not self._skip_url_references:
            # Worker threads recorded them in the order they ran: not that.
            self._deferral.run(sorted(self._deferred, key=lambda op: op.package.name))
        return status

    def _defer(self, operation: Operation) -> bool:
        if not self._deferral.takes(operation):
            return False
        self._deferred.append(operation)
        return True

    def _execute_install(self, operation: Install | Update) -> int:
        return 0 if self._defer(operation) else super()._execute_install(operation)

    def _execute_update(self, operation: Install | Update) -> int:
        return 0 if self._defer(operation) else super()._execute_update(operation)

    def _execute_uninstall(self, operation: Uninstall) -> int:
        return 0 if self._defer(operation) else super()._execute_uninstall(operation)


def create_installer(
    io: IO,
    env: Env,
    poetry: Poetry,
    root: ProjectPackage,
    config: Config,
    *,
    deferral: Deferral | None = None,
) -> Installer:
    """Build the installer as `poetry install` does, reading `config`, with
    that executor (one that hands the operations `deferral` takes over to it)."""
    options = executor_options(poetry)
    executor = (
        DeferringExecutor(
            env, poetry.pool, poetry.config, io, deferral=deferral, **options
        )
        if deferral is not None
        else UrlReferenceExecutor(env, poetry.pool, poetry.config, io, **options)
    )
    return Installer(
        io,
        env,
        root,
        poetry.locker,
        poetry.pool,
        config,
        executor=executor,
        disable_cache=poetry.disable_cache,
    )
