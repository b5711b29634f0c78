"""The lock reader: what poetry.lock says, checked before anything is installed.

Poetry's own Locker reads the lock too, but lazily and deep inside the installer,
where a broken file surfaces as a KeyError traceback half-way through an install.
Reading it here first turns every problem into one actionable line.
"""

from __future__ import annotations

import dataclasses
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
    from collections.abc import Collection
    from collections.abc import Mapping
    from pathlib import Path

    from packaging.utils import NormalizedName

    PackageKey = tuple[str, str, str]


LOCK_FILE_NAME = "poetry.lock"

# 2.1 is the first version that records each package's groups and markers
# (written by Poetry >= 2.0), which lock-only mode needs; beside pyproject.toml
# Poetry derives them from a 2.0 lock (Poetry 1.5 to 1.8). 3.x would be a format
# this reader does not know.
MIN_LOCK_VERSION = (2, 1)
GROUPS_RECORDED = ".".join(map(str, MIN_LOCK_VERSION))
MIN_LOCK_VERSION_BESIDE_PYPROJECT = (2, 0)
MAX_LOCK_MAJOR = 2

FIX_WITH_POETRY_LOCK = "run `poetry lock` with Poetry >= 2.0 to regenerate it"
EXACT_SLICE = (
    "or keep it as it is and slice it beside pyproject.toml"
    " (the exact slice recipe, docs/docker.md)"
)


@dataclass(frozen=True)
class LockedSource:
    """Where a locked package comes from (`[package.source]`); the lock names
    none for a package from PyPI."""

    type: str
    """legacy (a package index), url, file, directory, git or hg."""
    url: str
    reference: str | None = None
    """The index's name (legacy), or the branch, tag or revision asked for (VCS)."""
    resolved_reference: str | None = None
    subdirectory: str | None = None


@dataclass(frozen=True)
class LockedFile:
    name: str
    hash: str
    """`algorithm:digest`, as the lock writes it."""


@dataclass(frozen=True)
class LockedPackage:
    """One `[[package]]` of the lock, read and checked."""

    name: NormalizedName
    version: str
    groups: tuple[str, ...]
    """The groups that need it, spelled as the lock spells them."""
    markers: Mapping[str, str] = field(default_factory=dict)
    """Under which marker each of its groups needs it ("": always): the lock
    writes one marker for all of them, or one per group."""
    files: tuple[LockedFile, ...] = ()
    source: LockedSource | None = None
    python_versions: str = "*"
    develop: bool = False
    pretty_name: str = ""
    table: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The table as the lock holds it: what a slice writes back."""

    @property
    def key(self) -> PackageKey:
        """What tells it apart in a lock: name, version and source."""
        return (self.name, self.version, self.source.url if self.source else "")

    @property
    def group_names(self) -> frozenset[NormalizedName]:
        return frozenset(map(canonicalize_name, self.groups))

    @property
    def index_name(self) -> str | None:
        """The name of the package index it comes from ("PyPI" where the lock
        names none); None where it comes from no index."""
        if self.source is None:
            return "PyPI"
        return self.source.reference if self.source.type == "legacy" else None

    def markers_in(self, groups: Collection[NormalizedName]) -> dict[str, str]:
        """Which of `groups` need it, and under which marker ("": always)."""
        return {
            g: self.markers.get(g, "")
            for g in self.groups
            if canonicalize_name(g) in groups
        }

    def narrowed(self, markers: Mapping[str, str]) -> LockedPackage:
        """The package as needed by these groups alone, under these markers:
        needed by the selection, so no longer optional (a slice's packages)."""
        table = dict(self.table)
        table["groups"] = list(markers)
        if "optional" in table:
            table["optional"] = False
        texts = set(markers.values())
        if len(texts) > 1:
            table["markers"] = {group: text for group, text in markers.items() if text}
        elif texts and (text := texts.pop()):
            table["markers"] = text
        else:
            table.pop("markers", None)
        return dataclasses.replace(
            self, groups=tuple(markers), markers=dict(markers), table=table
        )


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
        names = {group for package in self.packages for group in package.group_names}
        return sorted(names, key=lambda name: (name != "main", name))

    def local_path(self, package: LockedPackage) -> Path:
        """Where a directory or file dependency lies (relative to the lock)."""
        assert package.source is not None
        return (self.path.parent / package.source.url).resolve()

    @property
    def uses_pypi(self) -> bool:
        """Whether a package names no source: Poetry fetches those from PyPI."""
        return any(package.source is None for package in self.packages)

    @property
    def indexes(self) -> dict[str, str]:
        """The named package indexes, name and URL, in the order the lock first
        mentions them."""
        indexes: dict[str, str] = {}
        seen: set[str] = set()
        for package in self.packages:
            source = package.source
            if source is not None and source.type == "legacy":
                assert source.reference is not None
                if source.reference.lower() not in seen:  # Poetry's names ignore case
                    seen.add(source.reference.lower())
                    indexes[source.reference] = source.url
        return indexes


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
    return lock_from_data(path, data, beside_pyproject=beside_pyproject)


def lock_from_data(
    path: Path, data: dict[str, Any], *, beside_pyproject: bool = False
) -> LockFile:
    """The lock `data` (the TOML of `path`) holds, checked."""
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


def _check_lock_version(path: Path, value: object, *, beside_pyproject: bool) -> str:
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
    path: Path, raw: object, index: int, *, groups_recorded: bool
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
    groups = raw.get("groups") if groups_recorded else []
    if (
        not isinstance(groups, list)
        or (groups_recorded and not groups)
        or not all(isinstance(group, str) and group for group in groups)
    ):
        raise InstallLockedError(
            f"{where} has no groups list (written by Poetry >= 2.0):"
            f" {FIX_WITH_POETRY_LOCK}."
        )
    return LockedPackage(
        name=canonicalize_name(name),
        version=version,
        groups=tuple(groups),
        markers=_read_markers(where, raw.get("markers", ""), groups),
        files=_read_files(where, raw.get("files", [])),
        source=_read_source(where, raw.get("source")),
        python_versions=str(raw.get("python-versions", "*")),
        develop=bool(raw.get("develop", False)),
        pretty_name=name,
        table=raw,
    )


def _read_markers(where: str, markers: object, groups: list[str]) -> dict[str, str]:
    """Markers are one string for every group, or a table of one per group;
    Poetry must be able to parse them."""
    if isinstance(markers, dict) and set(markers) <= set(groups):
        by_group = {group: markers.get(group, "") for group in groups}
        values = list(markers.values())
    else:
        by_group = dict.fromkeys(groups, markers)
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
    return {group: str(marker) for group, marker in by_group.items()}


def _read_files(where: str, files: object) -> tuple[LockedFile, ...]:
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("file"), str)
        and isinstance(f.get("hash"), str)
        for f in files
    ):
        raise InstallLockedError(
            f"{where} has a malformed files list: {FIX_WITH_POETRY_LOCK}."
        )
    return tuple(LockedFile(f["file"], f["hash"]) for f in files)


def _read_source(where: str, source: object) -> LockedSource | None:
    if source is None:
        return None
    source_type = source.get("type") if isinstance(source, dict) else None
    if not isinstance(source_type, str) or source_type not in SOURCE_TYPES:
        raise InstallLockedError(
            f"{where} has an unknown source type {source_type!r}"
            f" (known: {', '.join(sorted(SOURCE_TYPES))}): {FIX_WITH_POETRY_LOCK}."
        )
    assert isinstance(source, dict)
    url = source.get("url")
    if not isinstance(url, str) or not url:
        raise InstallLockedError(
            f"{where} has a source with no url: {FIX_WITH_POETRY_LOCK}."
        )
    reference = source.get("reference")
    if source_type == "legacy" and (not isinstance(reference, str) or not reference):
        raise InstallLockedError(
            f"{where} has a package source with no name (reference):"
            f" {FIX_WITH_POETRY_LOCK}."
        )
    return LockedSource(
        source_type,
        url,
        *(
            value if isinstance(value, str) and value else None
            for value in (
                reference,
                source.get("resolved_reference"),
                source.get("subdirectory"),
            )
        ),
    )


SOURCE_TYPES = frozenset({"legacy", "url", "file", "directory", "git", "hg"})
LOCAL_SOURCES = ("directory", "file")


def _check_unique(path: Path, packages: tuple[LockedPackage, ...]) -> None:
    seen: set[PackageKey] = set()
    urls: dict[str, str] = {}
    for package in packages:
        source = package.source
        if package.key in seen:
            raise InstallLockedError(
                f"{path} lists package {package.name!r} {package.version} twice:"
                f" {FIX_WITH_POETRY_LOCK}."
            )
        seen.add(package.key)
        if source is not None and source.type == "legacy":
            assert source.reference is not None
            # Poetry's source names ignore case.
            known = urls.setdefault(source.reference.lower(), source.url)
            if known != source.url:
                raise InstallLockedError(
                    f"{path} names source {source.reference!r} with two urls"
                    f" ({known}, {source.url}): {FIX_WITH_POETRY_LOCK}."
                )


def _read_extras(
    path: Path, raw: object
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
        source = package.source
        if source is None or source.type not in LOCAL_SOURCES:
            continue
        if skip_directories and source.type == "directory":
            continue
        path = lock.local_path(package)
        if path != root and root not in path.parents:
            hint = (
                "skip it with --no-directory"
                if source.type == "directory"
                else "install it once pyproject.toml is there"
            )
            raise InstallLockedError(
                f"{lock.path}, package {package.name!r} points outside the project"
                f" directory ({source.url} is {path}): lock-only mode installs"
                f" only paths beside poetry.lock; {hint}."
            )


def check_readable(lock: LockFile, build: Callable[[Mapping[str, Any]], None]) -> None:
    """Every package must be one Poetry's installer can read.

    Poetry parses the lock lazily, mid-install, and a field it cannot read
    surfaces there as a traceback; `build` builds each package as the installer
    will, so that the command stops first, with one line naming it. (Local
    paths have their own check, check_local_paths, without Poetry's warnings.)
    """
    for package in lock.packages:
        try:
            build(package.table)
        # Poetry's parsers raise their own errors, and their vendored lark's.
        except Exception as e:
            raise InstallLockedError(
                f"{lock.path}, package {package.pretty_name!r} cannot be read by Poetry"
                f" ({type(e).__name__}: {e}): {FIX_WITH_POETRY_LOCK}."
            ) from e


def missing_directory(lock: LockFile, error: Exception) -> InstallLockedError | None:
    """Poetry's error for a selected directory dependency that is not there, with
    the two ways out that lock-only mode has; None for any other error.

    Only the installer knows which directories the selection installs, so this
    explains its error rather than checking every locked directory up front.
    """
    for package in lock.packages:
        if package.source is None or package.source.type != "directory":
            continue
        path = lock.local_path(package)
        if not path.exists() and str(path) in str(error):
            return InstallLockedError(
                f"{error}: copy it beside poetry.lock before this step,"
                " or skip directory dependencies with --no-directory"
            )
    return None
