"""The artifact choice: which of a package's locked files Poetry would install."""

from __future__ import annotations

import threading

from typing import TYPE_CHECKING
from typing import Any
from typing import SupportsIndex
from typing import cast

from poetry.core.packages.utils.link import Link
from poetry.installation.chooser import Chooser
from poetry.repositories import RepositoryPool
from poetry.repositories.repository import Repository
from poetry.utils.wheel import InvalidWheelNameError
from poetry.utils.wheel import Wheel


if TYPE_CHECKING:
    from collections.abc import Iterable

    from packaging.tags import Tag
    from poetry.config.config import Config
    from poetry.core.packages.package import Package
    from poetry.utils.env import Env


class RankedTags(list["Tag"]):
    """The environment's tags in Poetry's order of preference, answering `in`
    and `index` from a table: Poetry's chooser ranks every wheel by them, and a
    list scan per tag made that ranking most of the choice's time."""

    def __init__(self, tags: Iterable[Tag]) -> None:
        super().__init__(tags)
        self._rank: dict[Tag, int] = {}
        for rank, tag in enumerate(self):
            self._rank.setdefault(tag, rank)

    def __contains__(self, tag: object) -> bool:
        return tag in self._rank

    def index(self, tag: Tag, *bounds: SupportsIndex) -> int:
        if bounds or tag not in self._rank:
            return super().index(tag, *bounds)
        return self._rank[tag]


class RankedTagsEnv:
    """The environment, as Poetry's chooser reads it, with its tags ranked."""

    def __init__(self, env: Env) -> None:
        self._env = env
        self.supported_tags = RankedTags(env.supported_tags)
        self.supported_tags_set = frozenset(self.supported_tags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)


class LockedFilesRepository(Repository):
    """A repository whose links are the files the lock records, with their hashes:
    enough for Poetry's Chooser to choose an artifact, and no network.

    Wheels the environment cannot install are left out: the chooser would skip
    them anyway, and a lock lists dozens per package for other platforms."""

    def __init__(self, name: str, supported: frozenset[Tag]) -> None:
        super().__init__(name)
        self._supported = supported

    def find_links_for_package(self, package: Package) -> list[Link]:
        return [
            Link(f"https://locked.invalid/{f['file']}#{f['hash'].replace(':', '=', 1)}")
            for f in package.files
            if self._may_install(f["file"])
        ]

    def _may_install(self, filename: str) -> bool:
        if not filename.endswith(".whl"):
            return True
        try:  # read as the chooser reads it
            tags = Wheel(filename).tags
        except InvalidWheelNameError:
            return True  # the chooser's to judge
        return not self._supported.isdisjoint(tags)


class ArtifactChooser:
    """Poetry's choice of artifact for a package (its Chooser, with the
    environment's tags and installer.no-binary/only-binary), made from the
    lock's files alone: no network."""

    def __init__(self, env: Env, config: Config) -> None:
        self._env = env
        self._config = config
        self._lock = threading.Lock()
        self._ranked: RankedTagsEnv | None = None
        self._choosers: dict[str, Chooser] = {}

    def choose(self, package: Package) -> tuple[str, str] | None:
        """The chosen file's name and hash; None where Poetry's own executor
        must decide (a package whose lock entry lists no files, or no file
        Poetry would take: its executor says why)."""
        if not package.files:
            return None
        name = (package.source_type and package.source_reference) or "pypi"
        try:
            with self._lock:  # called from Poetry's worker threads
                link = self._chooser(name).choose_for(package)
        except Exception:  # noqa: BLE001 - Poetry's executor reports it
            return None
        algorithm, digest = next(iter(link.hashes.items()))
        return link.filename, f"{algorithm}:{digest}"

    def _chooser(self, source: str) -> Chooser:
        """One chooser per source, over a repository of that name."""
        if source not in self._choosers:
            if self._ranked is None:
                self._ranked = RankedTagsEnv(self._env)
            repository = LockedFilesRepository(source, self._ranked.supported_tags_set)
            pool = RepositoryPool([repository], config=self._config)
            env = cast("Env", self._ranked)
            self._choosers[source] = Chooser(pool, env, self._config)
        return self._choosers[source]
