"""The uv executor: Poetry decides, uv installs.

With `--installer uv` Poetry still decides everything: the selection, the
environment, the operations (installs, updates, removals), the artifact of each
package (Poetry's choice, pinned by its hash from the lock), and the output.
uv then installs the packages whose chosen artifact is a wheel from a package
index, the bulk of any lock, in one call per source, and removes what came from
an index: fast, from its cache, each artifact checked against the lock's hash,
and never running a build. What needs building (sdists) or comes from git, a
URL, a file or a directory stays with Poetry's own executor, with Poetry's
build settings and its direct_url.json, which the next `poetry install`
compares.

The executor says which operations uv takes and plans them (IndexInstall,
UvPlan); the uv call (uv_call.py) runs each step of the plan.
"""

from __future__ import annotations

import os
import shutil

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import cast

from poetry_plugin_install_locked.artifacts import ArtifactChooser
from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.installed import interrupted_installs
from poetry_plugin_install_locked.package_sources import PYPI_URL
from poetry_plugin_install_locked.package_sources import package_indexes
from poetry_plugin_install_locked.uv_call import Index
from poetry_plugin_install_locked.uv_call import UvCall


if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.operations import Update
    from poetry.installation.operations.operation import Operation
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


INSTALLERS = ("poetry", "uv")
INSTALLER_VARIABLE = "POETRY_INSTALL_LOCKED_INSTALLER"
INDEX_SOURCES = (None, "legacy")


def installer_choice(option: str | None) -> str:
    """`--installer`, else POETRY_INSTALL_LOCKED_INSTALLER, else Poetry's."""
    choice = option or os.environ.get(INSTALLER_VARIABLE) or "poetry"
    if choice not in INSTALLERS:
        origin = "--installer" if option else INSTALLER_VARIABLE
        raise InstallLockedError(
            f"{origin} is {choice!r}: it can be {' or '.join(INSTALLERS)}."
        )
    return choice


def find_uv() -> str:
    """The uv binary: the one the `uv` package installed beside the plugin
    (the [uv] extra), else one on PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    if found := shutil.which("uv"):
        return found
    raise InstallLockedError(
        "--installer uv needs uv: install the plugin with its uv extra"
        ' (pip install "poetry-plugin-install-locked[uv]", beside Poetry),'
        " or put uv on PATH."
    )


def is_from_an_index(package: Package) -> bool:
    return package.source_type in INDEX_SOURCES


@dataclass(frozen=True)
class IndexInstall:
    """One `uv pip install`: the packages from one index, each pinned to the
    hash of the wheel Poetry chose."""

    index: Index
    requirements: tuple[tuple[str, str, str], ...]
    """Name, version and hash of each package, in name order."""
    reinstall: tuple[str, ...] = ()
    """Names uv would otherwise take as installed already."""

    def arguments(self, *, compile_bytecode: bool) -> list[str]:
        options = ["--no-deps", "--require-hashes", "--no-build"]
        options.append(f"--default-index={self.index.uv_name}={self.index.url}")
        options += [f"--reinstall-package={name}" for name in self.reinstall]
        if compile_bytecode:
            options.append("--compile-bytecode")
        return ["install", *options, "-r", "-"]

    def stdin(self) -> str:
        return "".join(
            f"{name}=={version} --hash={digest}\n"
            for name, version, digest in self.requirements
        )


@dataclass(frozen=True)
class UvPlan:
    """What uv is handed: the removals, in one call, then one install per index."""

    removals: tuple[str, ...]
    installs: tuple[IndexInstall, ...]


@dataclass(frozen=True)
class UvSetup:
    """What --installer uv needs, checked before any environment is touched:
    uv itself, and the project's package indexes as uv is told of them."""

    binary: str
    indexes: dict[str, Index]

    @classmethod
    def of(cls, poetry: Poetry) -> UvSetup:
        return cls(find_uv(), read_indexes(poetry))


class UvExecutor:
    """Installs and removes, with uv, what Poetry's executor hands over: it says
    which operations uv takes, plans them, and has UvCall run the plan."""

    def __init__(
        self,
        uv: UvSetup,
        poetry: Poetry,
        env: Env,
        io: IO,
        compile_bytecode: bool,
    ) -> None:
        self._indexes = uv.indexes
        self._env = env
        self._compile = compile_bytecode
        self._chooser = ArtifactChooser(env, poetry.config)
        self._call = UvCall(
            uv.binary, env, io, poetry.config, no_cache=poetry.disable_cache
        )
        self._chosen: dict[tuple[str, str], str | None] = {}

    def takes(self, operation: Operation) -> bool:
        """Whether uv carries the operation out: a removal of what came from an
        index, or an install whose artifact, chosen by Poetry, is a wheel from
        an index (uv builds nothing)."""
        if not is_from_an_index(operation.package):
            return False
        if operation.job_type == "uninstall":
            return True
        return self._artifact(operation.package) is not None

    def _artifact(self, package: Package) -> str | None:
        """The hash of the wheel Poetry chose for the package, if it chose one."""
        key = (package.name, package.version.text)
        if key not in self._chosen:
            choice = self._chooser.choose(package)
            wheel = choice is not None and choice[0].endswith(".whl")
            self._chosen[key] = choice[1] if choice and wheel else None
        return self._chosen[key]

    def run(self, deferred: list[Operation]) -> None:
        """Carry out the deferred operations, as planned."""
        plan = self.plan(deferred)
        if plan.removals:
            self._call(["uninstall", *plan.removals])
        for install in plan.installs:
            arguments = install.arguments(compile_bytecode=self._compile)
            self._call(arguments, install.stdin(), install.index)

    def plan(self, deferred: list[Operation]) -> UvPlan:
        removals = {op.package.name for op in deferred if op.job_type == "uninstall"}
        installs = [op for op in deferred if op.job_type != "uninstall"]
        # uv takes a distribution whose install was cut short, or updated to the
        # same version (from another source), as installed already.
        interrupted = interrupted_installs(self._env) if installs else set()
        reinstall = {
            op.package.name
            for op in installs
            if op.package.name in interrupted or _updates_to_the_same_version(op)
        }
        by_index: dict[Index, list[Package]] = {}
        for operation in sorted(installs, key=lambda op: op.package.name):
            package = operation.package
            by_index.setdefault(self._index_of(package), []).append(package)
        return UvPlan(
            tuple(sorted(removals)),
            tuple(
                IndexInstall(
                    index,
                    tuple((p.name, p.version.text, self._pinned(p)) for p in group),
                    tuple(p.name for p in group if p.name in reinstall),
                )
                for index, group in by_index.items()
            ),
        )

    def _pinned(self, package: Package) -> str:
        """The hash uv installs the package by: that of the wheel Poetry chose."""
        digest = self._artifact(package)
        if digest is None:
            raise InstallLockedError(
                f"{package.pretty_name}: Poetry chose no wheel of it from an index,"
                " so uv cannot install it"
            )
        return digest

    def _index_of(self, package: Package) -> Index:
        """The index Poetry's installer fetches the package from."""
        if package.source_type and package.source_reference:
            index = self._indexes.get(package.source_reference.lower())
            if index is None:
                raise InstallLockedError(
                    f"{package.pretty_name} comes from source"
                    f" {package.source_reference}, which is not a package index"
                    " Poetry knows: run `poetry lock`."
                )
            return index
        if "pypi" in self._indexes:
            return self._indexes["pypi"]
        return next(iter(self._indexes.values()), Index("pypi", PYPI_URL))


def read_indexes(poetry: Poetry) -> dict[str, Index]:
    """The project's package indexes, by lower-cased name, as uv is told of them;
    refused where uv cannot follow a source's settings."""
    config = poetry.config
    indexes: dict[str, Index] = {}
    stems: dict[str, str] = {}
    for name, url in package_indexes(poetry.pool):
        verify = config.get(f"certificates.{name}.verify")
        cert = config.get(f"certificates.{name}.cert")
        if (
            verify not in (None, True)
            or cert not in (None, True)
            or config.get(f"certificates.{name}.client-cert")
        ):
            raise InstallLockedError(
                f"Source {name} has certificates of its own (certificates.{name}"
                " in Poetry's configuration), which --installer uv cannot apply"
                " to one source alone: use --installer poetry, or give uv a"
                " certificate bundle for every index with SSL_CERT_FILE."
            )
        index = Index.of(name, url)
        if (other := stems.setdefault(index.variable_stem, name)) != name:
            raise InstallLockedError(
                f"Sources {other} and {name} have one name for uv's credential"
                f" variables (UV_INDEX_{index.variable_stem}_*): rename one, or"
                " use --installer poetry."
            )
        indexes[name.lower()] = index
    return indexes


def _updates_to_the_same_version(operation: Operation) -> bool:
    """An update that keeps the version (the package comes from another source)."""
    if operation.job_type != "update":
        return False
    update = cast("Update", operation)
    return update.initial_package.version == update.target_package.version
