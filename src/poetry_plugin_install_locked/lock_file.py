"""The lock reader: what poetry.lock says, checked before anything is installed.

Poetry's own Locker reads the lock too, but lazily and deep inside the installer,
where a broken file surfaces as a KeyError traceback half-way through an install.
Reading it here first turns every problem into one actionable line.
"""

from __future__ import annotations

import sys

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from packaging.utils import canonicalize_name
from poetry.core.version.markers import parse_marker

from poetry_plugin_install_locked.exceptions import InstallLockedError


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Poetry depends on tomli on these Pythons
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from pathlib import Path

    from packaging.utils import NormalizedName


LOCK_FILE_NAME = "poetry.lock"

# 2.1 is the first version that records each package's groups and markers
# (written by Poetry >= 2.0), which lock-only mode needs; beside pyproject.toml
# Poetry derives them from a 2.0 lock (Poetry 1.5 to 1.8). 3.x would be a format
# this reader does not know.
MIN_LOCK_VERSION = (2, 1)
MIN_LOCK_VERSION_BESIDE_PYPROJECT = (2, 0)
MAX_LOCK_MAJOR = 2

FIX_WITH_POETRY_LOCK = "run `poetry lock` with Poetry >= 2.0 to regenerate it"
EXACT_SLICE = (
    "or keep it as it is and slice it beside pyproject.toml"
    " (the exact slice recipe, docs/docker.md)"
)


@dataclass(frozen=True)
class LockedSource:
    """A package source named in the lock (`[package.source]` of type legacy)."""

    name: str
    url: str


@dataclass(frozen=True)
class LockedPackage:
    name: NormalizedName
    version: str
    groups: frozenset[NormalizedName]
    source_type: str | None = None
    source_url: str | None = None
    source_reference: str | None = None


@dataclass(frozen=True)
class LockFile:
    path: Path
    lock_version: str
    python_versions: str
    packages: tuple[LockedPackage, ...]
    extras: dict[NormalizedName, tuple[NormalizedName, ...]]
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The parsed TOML, for Poetry's locker: the file is read once."""

    @property
    def groups(self) -> list[NormalizedName]:
        """Every group a locked package belongs to, "main" first as Poetry lists it."""
        names = {group for package in self.packages for group in package.groups}
        return sorted(names, key=lambda name: (name != "main", name))

    def local_path(self, package: LockedPackage) -> Path:
        """Where a directory or file dependency lies (relative to the lock)."""
        assert package.source_url is not None
        return (self.path.parent / package.source_url).resolve()

    @property
    def uses_pypi(self) -> bool:
        """Whether a package names no source: Poetry fetches those from PyPI."""
        return any(package.source_type is None for package in self.packages)

    @property
    def sources(self) -> list[LockedSource]:
        """The named package sources, in the order the lock first mentions them."""
        sources: dict[str, LockedSource] = {}
        for package in self.packages:
            if package.source_type == "legacy" and package.source_reference:
                assert package.source_url is not None
                sources.setdefault(
                    package.source_reference.lower(),  # Poetry's names ignore case
                    LockedSource(package.source_reference, package.source_url),
                )
        return list(sources.values())


def read_lock_file(path: Path, *, beside_pyproject: bool = False) -> LockFile:
    """Read and check `path`; raise InstallLockedError with one fixable line.

    Beside pyproject.toml a lock of lock-version 2.0, whose packages record no
    groups and markers, is read too: Poetry derives them.
    """
    if not path.is_file():
        raise InstallLockedError(
            f"No {LOCK_FILE_NAME} in {path.parent}: install-locked installs from"
            " a lock file; copy poetry.lock there (create it with `poetry lock`)."
        )
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise InstallLockedError(f"Cannot read {path}: {e.strerror}.") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InstallLockedError(
            f"{path} is not valid TOML ({e}): restore it or {FIX_WITH_POETRY_LOCK}."
        ) from e

    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        raise InstallLockedError(
            f"{path} has no [metadata] table, so it is not a Poetry lock file:"
            f" {FIX_WITH_POETRY_LOCK}."
        )
    lock_version = _check_lock_version(
        path, metadata.get("lock-version"), beside_pyproject=beside_pyproject
    )
    groups_recorded = _version_tuple(lock_version) >= MIN_LOCK_VERSION
    python_versions = metadata.get("python-versions")
    if not isinstance(python_versions, str) or not python_versions:
        raise InstallLockedError(
            f"{path} has no [metadata] python-versions: {FIX_WITH_POETRY_LOCK}."
        )

    raw_packages = data.get("package")
    if not isinstance(raw_packages, list):
        raise InstallLockedError(
            f"{path} has a malformed [[package]] list: {FIX_WITH_POETRY_LOCK}."
        )
    packages = tuple(
        _read_package(path, raw, index, groups_recorded=groups_recorded)
        for index, raw in enumerate(raw_packages)
    )
    _check_unique(path, packages)

    return LockFile(
        path=path,
        lock_version=lock_version,
        python_versions=python_versions,
        packages=packages,
        extras=_read_extras(path, data.get("extras", {})),
        data=data,
    )


def _version_tuple(value: str) -> tuple[int, int]:
    major, minor = (int(part) for part in value.split("."))
    return major, minor


def _check_lock_version(path: Path, value: Any, *, beside_pyproject: bool) -> str:
    try:
        major, minor = _version_tuple(str(value))
    except ValueError:
        raise InstallLockedError(
            f"{path} has an unreadable lock-version {value!r}: {FIX_WITH_POETRY_LOCK}."
        ) from None
    if beside_pyproject and (major, minor) < MIN_LOCK_VERSION_BESIDE_PYPROJECT:
        raise InstallLockedError(
            f"{path} has lock-version {value}, older than Poetry 2 installs:"
            f" {FIX_WITH_POETRY_LOCK}."
        )
    if not beside_pyproject and (major, minor) < MIN_LOCK_VERSION:
        raise InstallLockedError(
            f"{path} has lock-version {value}, which does not record each package's"
            " groups and markers, so it cannot be installed without pyproject.toml:"
            f" {FIX_WITH_POETRY_LOCK}, {EXACT_SLICE}."
        )
    if major > MAX_LOCK_MAJOR:
        raise InstallLockedError(
            f"{path} has lock-version {value}, newer than this plugin reads"
            " (2.0 to 2.x): upgrade poetry-plugin-install-locked."
        )
    return str(value)


def _read_package(
    path: Path, raw: Any, index: int, *, groups_recorded: bool
) -> LockedPackage:
    where = f"{path}, package #{index + 1}"
    if not isinstance(raw, dict):
        raise InstallLockedError(f"{where} is not a table: {FIX_WITH_POETRY_LOCK}.")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InstallLockedError(f"{where} has no name: {FIX_WITH_POETRY_LOCK}.")
    where = f"{path}, package {name!r}"
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise InstallLockedError(f"{where} has no version: {FIX_WITH_POETRY_LOCK}.")
    groups: Any = raw.get("groups") if groups_recorded else []
    if (
        not isinstance(groups, list)
        or (groups_recorded and not groups)
        or not all(isinstance(group, str) and group for group in groups)
    ):
        raise InstallLockedError(
            f"{where} has no groups list (written by Poetry >= 2.0):"
            f" {FIX_WITH_POETRY_LOCK}."
        )
    if not isinstance(raw.get("files", []), list):
        raise InstallLockedError(
            f"{where} has a malformed files list: {FIX_WITH_POETRY_LOCK}."
        )
    _check_markers(where, raw.get("markers", ""), groups)

    source = raw.get("source")
    if source is None:
        return LockedPackage(
            canonicalize_name(name), version, frozenset(map(canonicalize_name, groups))
        )
    source_type = source.get("type") if isinstance(source, dict) else None
    url = source.get("url") if isinstance(source, dict) else None
    if not isinstance(source_type, str) or source_type not in SOURCE_TYPES:
        raise InstallLockedError(
            f"{where} has an unknown source type {source_type!r}"
            f" (known: {', '.join(sorted(SOURCE_TYPES))}): {FIX_WITH_POETRY_LOCK}."
        )
    if not isinstance(url, str) or not url:
        raise InstallLockedError(
            f"{where} has a source with no url: {FIX_WITH_POETRY_LOCK}."
        )
    reference = source.get("reference")
    if source_type == "legacy" and (not isinstance(reference, str) or not reference):
        raise InstallLockedError(
            f"{where} has a package source with no name (reference): {FIX_WITH_POETRY_LOCK}."
        )
    return LockedPackage(
        canonicalize_name(name),
        version,
        frozenset(map(canonicalize_name, groups)),
        source_type,
        url,
        reference if isinstance(reference, str) else None,
    )


def _check_markers(where: str, markers: Any, groups: list[str]) -> None:
    """Markers are one string, or one per group; Poetry must be able to parse them."""
    if isinstance(markers, dict) and set(markers) <= set(groups):
        values = list(markers.values())
    else:
        values = [markers]
    for marker in values:
        if not isinstance(marker, str):
            problem = f"{marker!r} is not a string"
        else:
            try:
                parse_marker(marker)
                continue
            # poetry-core's marker grammar raises its vendored parser's own errors.
            except Exception as e:  # noqa: BLE001
                problem = f"{marker!r}: {str(e).strip().splitlines()[0]}"
        raise InstallLockedError(
            f"{where} has malformed markers ({problem}): {FIX_WITH_POETRY_LOCK}."
        )


SOURCE_TYPES = frozenset({"legacy", "url", "file", "directory", "git", "hg"})


def _check_unique(path: Path, packages: tuple[LockedPackage, ...]) -> None:
    seen: set[tuple[str, str, str | None]] = set()
    urls: dict[str, str] = {}
    for package in packages:
        key = (package.name, package.version, package.source_url)
        if key in seen:
            raise InstallLockedError(
                f"{path} lists package {package.name!r} {package.version} twice:"
                f" {FIX_WITH_POETRY_LOCK}."
            )
        seen.add(key)
        if package.source_type == "legacy" and package.source_reference:
            assert package.source_url is not None
            # Poetry's source names ignore case.
            name = package.source_reference.lower()
            known = urls.setdefault(name, package.source_url)
            if known != package.source_url:
                raise InstallLockedError(
                    f"{path} names source {package.source_reference!r} with two urls"
                    f" ({known}, {package.source_url}): {FIX_WITH_POETRY_LOCK}."
                )


def _read_extras(
    path: Path, raw: Any
) -> dict[NormalizedName, tuple[NormalizedName, ...]]:
    if not isinstance(raw, dict) or not all(
        isinstance(members, list)
        and all(isinstance(m, str) and m.strip() for m in members)
        for members in raw.values()
    ):
        raise InstallLockedError(
            f"{path} has a malformed [extras] table: {FIX_WITH_POETRY_LOCK}."
        )
    return {
        canonicalize_name(extra): tuple(
            # Entries may carry a requirement tail ("pkg (>=1.0)"); the name leads.
            canonicalize_name(member.split()[0].split("[")[0])
            for member in members
        )
        for extra, members in raw.items()
    }


def check_local_paths(lock: LockFile, *, skip_directories: bool) -> None:
    """Path dependencies must lie inside the lock's directory (the build context).

    A lock from a build context should not make the installer read, build or
    link a directory elsewhere on the machine (`../../etc`). Projects whose path
    dependencies live beside the project install them later, with pyproject.toml,
    after `install-locked --no-directory`.
    """
    root = lock.path.parent.resolve()
    for package in lock.packages:
        if package.source_type not in ("directory", "file") or (
            skip_directories and package.source_type == "directory"
        ):
            continue
        path = lock.local_path(package)
        if path != root and root not in path.parents:
            hint = (
                "skip it with --no-directory"
                if package.source_type == "directory"
                else "install it once pyproject.toml is there"
            )
            raise InstallLockedError(
                f"{lock.path}, package {package.name!r} points outside the project"
                f" directory ({package.source_url} is {path}): lock-only mode installs"
                f" only paths beside poetry.lock; {hint}."
            )


def check_readable(lock: LockFile, build: Callable[[Mapping[str, Any]], None]) -> None:
    """Every package must be one Poetry's installer can read.

    Poetry parses the lock lazily, mid-install, and a field it cannot read
    surfaces there as a traceback; `build` builds each package as the installer
    will, so that the command stops first, with one line naming it. (Local
    paths have their own check, check_local_paths, without Poetry's warnings.)
    """
    for info in lock.data["package"]:
        try:
            build(info)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise InstallLockedError(
                f"{lock.path}, package {info.get('name')!r} cannot be read by Poetry"
                f" ({type(e).__name__}: {e}): {FIX_WITH_POETRY_LOCK}."
            ) from e


def missing_directory(lock: LockFile, error: Exception) -> InstallLockedError | None:
    """Poetry's error for a selected directory dependency that is not there, with
    the two ways out that lock-only mode has; None for any other error.

    Only the installer knows which directories the selection installs, so this
    explains its error rather than checking every locked directory up front.
    """
    for package in lock.packages:
        if package.source_type != "directory":
            continue
        path = lock.local_path(package)
        if not path.exists() and str(path) in str(error):
            return InstallLockedError(
                f"{error}: copy it beside poetry.lock before this step,"
                " or skip directory dependencies with --no-directory"
            )
    return None
