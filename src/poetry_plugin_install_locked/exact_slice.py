"""The exact slice: beside pyproject.toml, the part of the lock that
`poetry install --no-root SEL` installs, for every lock Poetry's installer reads.

Beside pyproject.toml Poetry knows what the lock does not say: which groups are
optional (the selection's groups come from the project), and, for a lock of
lock-version 2.0, each package's groups and markers, which Poetry's solver
derives from the locked packages as `poetry lock` would record them now. The
slice then records them (lock-version 2.1), so that `install-locked` in a
directory holding only the slice installs the same on every platform.

Where `poetry install` resolves again (a 2.0 lock, or installer.re-resolve),
it resolves for the one environment it installs into, which can differ from the
markers of every environment at once: a package locked at two versions under
complementary markers, say. What it would install here is worked out too, and
a difference is said, not slipped into the slice; --this-environment then
slices exactly that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_plugin_install_locked.lock_file import GROUPS_RECORDED
from poetry_plugin_install_locked.lock_file import lock_from_data
from poetry_plugin_install_locked.lock_slice import Slice
from poetry_plugin_install_locked.lock_slice import slice_packages
from poetry_plugin_install_locked.resolution import derived_lock_packages
from poetry_plugin_install_locked.resolution import installed_here
from poetry_plugin_install_locked.resolution import locks_groups_and_markers
from poetry_plugin_install_locked.resolution import re_resolves


if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from poetry.poetry import Poetry
    from poetry.utils.env import Env

    from poetry_plugin_install_locked.lock_file import LockedPackage
    from poetry_plugin_install_locked.lock_file import LockFile
    from poetry_plugin_install_locked.lock_slice import Selection


def recorded_lock(lock: LockFile, poetry: Poetry) -> LockFile:
    """The lock with each package's groups and markers: its own, or for a 2.0
    lock those Poetry derives, as lock-version 2.1."""
    if locks_groups_and_markers(poetry):
        return lock
    data = {
        **lock.data,
        "package": derived_lock_packages(poetry),
        "metadata": {**lock.data["metadata"], "lock-version": GROUPS_RECORDED},
    }
    return lock_from_data(lock.path, data)


def exact_slice(
    lock: LockFile, poetry: Poetry, selection: Selection, env: Env
) -> Slice:
    """The slice of `selection` (with an environment: of `env`, which is the
    environment the installer would use)."""
    recorded = recorded_lock(lock, poetry)
    if not re_resolves(poetry):
        return Slice(recorded, slice_packages(recorded, selection), [])

    here = installed_here(poetry, env, selection.groups, selection.extras)
    if selection.environment is not None:
        return Slice(recorded, _resolved(recorded, selection, here), [])

    packages = slice_packages(recorded, selection)
    here_by_slice = {
        (package.name, package.version)
        for package in slice_packages(recorded, selection.where(env.marker_env))
    }
    differences = [
        f"{name} {version}" for name, version in sorted(here ^ here_by_slice)
    ]
    return Slice(recorded, packages, differences)


def _resolved(
    lock: LockFile,
    selection: Selection,
    here: set[tuple[NormalizedName, str]],
) -> list[LockedPackage]:
    """What Poetry resolved for this environment, each package in the selected
    groups it is locked in, with no markers: all of it installs here."""
    default = min(selection.groups)
    return [
        package.narrowed(
            dict.fromkeys(package.markers_in(selection.groups) or [default], "")
        )
        for package in lock.packages
        if (package.name, package.version) in here
    ]
