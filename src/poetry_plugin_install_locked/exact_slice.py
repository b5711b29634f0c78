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

import dataclasses

from typing import TYPE_CHECKING
from typing import Any

from packaging.utils import canonicalize_name

from poetry_plugin_install_locked.lock_slice import slice_packages
from poetry_plugin_install_locked.resolution import derived_lock_packages
from poetry_plugin_install_locked.resolution import installed_here
from poetry_plugin_install_locked.resolution import locks_groups_and_markers
from poetry_plugin_install_locked.resolution import re_resolves


if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from poetry.poetry import Poetry
    from poetry.utils.env import Env

    from poetry_plugin_install_locked.lock_file import LockFile
    from poetry_plugin_install_locked.lock_slice import Selection


RECORDED = "2.1"


@dataclasses.dataclass(frozen=True)
class ExactSlice:
    lock: LockFile
    """The lock, with each package's groups and markers recorded."""
    packages: list[dict[str, Any]]
    """The sliced packages' tables."""
    differences: list[str]
    """What `poetry install` would install here, resolving again, that the
    slice does not (or the other way round): "name version" lines."""


def recorded_lock(lock: LockFile, poetry: Poetry) -> LockFile:
    """The lock with each package's groups and markers: its own, or for a 2.0
    lock those Poetry derives, as lock-version 2.1."""
    if locks_groups_and_markers(poetry):
        return lock
    return dataclasses.replace(
        lock,
        lock_version=RECORDED,
        data={**lock.data, "package": derived_lock_packages(poetry)},
    )


def exact_slice(
    lock: LockFile, poetry: Poetry, selection: Selection, env: Env
) -> ExactSlice:
    """The slice of `selection` (with an environment: of `env`, which is the
    environment the installer would use)."""
    recorded = recorded_lock(lock, poetry)
    if not re_resolves(poetry):
        return ExactSlice(recorded, slice_packages(recorded, selection), [])

    here = installed_here(poetry, env, selection.groups, selection.extras)
    if selection.environment is not None:
        return ExactSlice(recorded, _resolved(recorded, selection, here), [])

    packages = slice_packages(recorded, selection)
    here_by_slice = {
        _key(package)
        for package in slice_packages(
            recorded, dataclasses.replace(selection, environment=env.marker_env)
        )
    }
    differences = [
        f"{name} {version}" for name, version in sorted(here ^ here_by_slice)
    ]
    return ExactSlice(recorded, packages, differences)


def _resolved(
    lock: LockFile,
    selection: Selection,
    here: set[tuple[NormalizedName, str]],
) -> list[dict[str, Any]]:
    """The tables of what Poetry resolved for this environment, each in the
    selected groups it is locked in, with no markers: all of it installs here."""
    default = min(selection.groups)
    packages = []
    for raw in lock.data["package"]:
        if _key(raw) not in here:
            continue
        package = {k: v for k, v in raw.items() if k != "markers"}
        groups = [g for g in raw["groups"] if canonicalize_name(g) in selection.groups]
        package["groups"] = groups or [default]
        if "optional" in package:
            package["optional"] = False
        packages.append(package)
    return packages


def _key(package: Any) -> tuple[NormalizedName, str]:
    return canonicalize_name(package["name"]), str(package["version"])
