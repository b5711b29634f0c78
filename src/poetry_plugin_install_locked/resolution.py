"""The locked resolution: each locked package's groups and markers, as Poetry
derives them from the locked packages alone, and what its installer would
install here where it resolves again.

A lock of lock-version 2.1 records each package's groups and per-group markers,
and Poetry's installer installs from them unless it resolves again (always for
a lock-version 2.0 lock; and by default before Poetry 2.3, where
installer.re-resolve is true). Resolving again takes pyproject.toml and the
locked packages, never the network: the solver is given a pool made of the
locked packages only, and the git, URL and path dependencies are not fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleo.io.null_io import NullIO
from poetry.puzzle.solver import Solver
from poetry.repositories import RepositoryPool

from poetry_plugin_install_locked.lock_only import wants_re_resolve


if TYPE_CHECKING:
    from collections.abc import Collection
    from collections.abc import Mapping

    from packaging.utils import NormalizedName
    from poetry.core.packages.package import Package
    from poetry.core.packages.project_package import ProjectPackage
    from poetry.poetry import Poetry
    from poetry.utils.env import Env


def locks_groups_and_markers(poetry: Poetry) -> bool:
    """Whether the lock records each package's groups and markers (2.1 on)."""
    return bool(poetry.locker.is_locked_groups_and_markers())


def re_resolves(poetry: Poetry) -> bool:
    """Whether `poetry install` resolves again beside this pyproject.toml."""
    return wants_re_resolve(poetry.config) or not locks_groups_and_markers(poetry)


def derived_lock_packages(poetry: Poetry) -> list[dict[str, object]]:
    """Every locked package's table as `poetry lock` on this Poetry would write
    it now, groups and markers included, the locked versions kept: the whole
    project solved (every group, optional ones included) for every environment
    from the locked packages alone."""
    locked = _locked(poetry)
    solver = _solver(poetry, poetry.package, locked)
    solved = solver.solve().get_solved_packages()
    return [_plain_table(table) for table in poetry.locker._lock_packages(solved)]


def installed_here(
    poetry: Poetry,
    env: Env,
    groups: Collection[NormalizedName],
    extras: Collection[NormalizedName],
) -> set[tuple[NormalizedName, str]]:
    """What `poetry install --no-root` would install into `env` (empty) where it
    resolves again: name and version of each package."""
    locked = _locked(poetry)
    root = poetry.package.with_dependency_groups(list(groups), only=True)
    solver = _solver(poetry, root, locked, active_root_extras=extras)
    with solver.use_environment(env):
        transaction = solver.solve()
    operations = transaction.calculate_operations(
        with_uninstalls=False, extras=set(extras)
    )
    return {
        (op.package.name, op.package.version.text)
        for op in operations
        if not op.skipped
    }


def _locked(poetry: Poetry) -> list[Package]:
    return list(poetry.locker.locked_repository().packages)


def _solver(
    poetry: Poetry,
    root: ProjectPackage,
    locked: list[Package],
    active_root_extras: Collection[NormalizedName] | None = None,
) -> Solver:
    pool = RepositoryPool.from_packages(locked, poetry.config)
    solver = Solver(
        root, pool, [], locked, NullIO(), active_root_extras=active_root_extras
    )
    # The locked git, URL and path packages, as they are: nothing fetched.
    solver.provider.load_deferred(False)
    return solver


def _plain_table(table: Mapping[str, object]) -> dict[str, object]:
    return {key: _plain(item) for key, item in table.items()}


def _plain(value: object) -> object:
    """tomlkit's items as plain Python values."""
    unwrap = getattr(value, "unwrap", None)
    if unwrap is not None:
        return unwrap()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
