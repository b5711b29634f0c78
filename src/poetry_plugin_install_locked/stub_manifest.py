"""The stub manifest: the root package Poetry's installer needs, made from the lock.

Installing from a lock file of version 2.1 or later does not re-solve anything:
Poetry walks the locked packages and keeps those whose recorded groups meet the
selected ones and whose recorded markers hold in the target environment (with
the selected root extras as the `extra` marker). What the installer still asks
of the root package is only its name (which --sync must spare), its dependency
groups (to select from) and its extras (for --all-extras). All of that is in the
lock; the version, description and dependency specifications are not needed, so
the stub carries none of them and no change to those can reach a Docker layer.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from poetry.core.constraints.version.exceptions import ParseConstraintError
from poetry.core.packages.dependency import Dependency
from poetry.core.packages.dependency_group import DependencyGroup
from poetry.core.packages.project_package import ProjectPackage

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import FIX_WITH_POETRY_LOCK


if TYPE_CHECKING:
    from poetry_plugin_install_locked.lock_file import LockFile


STUB_VERSION = "0"
FALLBACK_NAME = "project"


def build_stub_package(lock: LockFile, name: str | None = None) -> ProjectPackage:
    """A version-free root package whose every locked group is a default group.

    The lock does not record which groups pyproject.toml declares optional, so
    all of them are non-optional here; `name` is the real project name when the
    user gives it (it names Poetry's cache-dir virtualenv), else the lock
    directory's name.
    """
    package = ProjectPackage(name or directory_name(lock), STUB_VERSION)
    try:
        package.python_versions = lock.python_versions
    except (ParseConstraintError, ValueError) as e:
        raise InstallLockedError(
            f"{lock.path} has an invalid python-versions {lock.python_versions!r}:"
            f" {FIX_WITH_POETRY_LOCK}."
        ) from e
    for group in lock.groups:
        package.add_dependency_group(DependencyGroup(group))
    package.extras = {
        extra: [Dependency(member, "*", optional=True) for member in members]
        for extra, members in lock.extras.items()
    }
    return package


def directory_name(lock: LockFile) -> str:
    """The project's name as Poetry names a project it has no name for (`poetry
    init`): after its directory. It shows in the virtualenv's creation message
    and prompt. The installer's root must not be a locked package, nor nameless.
    """
    name = canonicalize_name(
        re.sub(r"[^A-Za-z0-9._-]+", "-", lock.path.parent.name)
    ).strip("-._")
    locked = {package.name for package in lock.packages}
    candidates = [name, f"{name}-project"] if name else []
    candidates += [FALLBACK_NAME, f"{FALLBACK_NAME}-root"]
    return next(c for c in candidates if c not in locked)
