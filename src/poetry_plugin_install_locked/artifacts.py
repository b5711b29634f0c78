"""The artifact choice: which of a package's locked files Poetry would install."""

from __future__ import annotations

import threading

from typing import TYPE_CHECKING

from poetry.core.packages.utils.link import Link
from poetry.installation.chooser import Chooser
from poetry.repositories import RepositoryPool
from poetry.repositories.repository import Repository


if TYPE_CHECKING:
    from poetry.config.config import Config
    from poetry.core.packages.package import Package
    from poetry.utils.env import Env


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
            pool = RepositoryPool([LockedFilesRepository(source)], config=self._config)
            self._choosers[source] = Chooser(pool, self._env, self._config)
        return self._choosers[source]
