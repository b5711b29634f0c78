"""The package sources: Poetry's repository pool rebuilt from the lock's sources.

The installer downloads a package from the repository whose name the lock
records for it (`[package.source] reference`), and from PyPI when it records
none. Registering each source under that name, as Poetry does for the sources
of pyproject.toml, keeps per-source credentials working: `http-basic.NAME`,
POETRY_HTTP_BASIC_NAME_USERNAME/_PASSWORD, keyring and certificates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.factory import Factory
from poetry.repositories.http_repository import HTTPRepository
from poetry.utils.password_manager import PasswordManager

from poetry_plugin_install_locked.exceptions import InstallLockedError


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping

    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.core.packages.package import Package
    from poetry.core.packages.utils.link import Link
    from poetry.poetry import Poetry
    from poetry.repositories import RepositoryPool

    from poetry_plugin_install_locked.lock_file import LockedPackage


PYPI_URL = "https://pypi.org/simple/"
"""PyPI's simple index: where the packages that name no source come from."""


def create_pool(
    indexes: Mapping[str, str],
    config: Config,
    io: IO,
    *,
    uses_pypi: bool,
    disable_cache: bool,
) -> RepositoryPool:
    """Register the lock's package `indexes` (name and URL) in `config` and build
    the pool the installer uses.

    Locked packages are fetched from the repository they name, whatever its
    priority. Priorities matter only for what the lock does not pin: the build
    requirements of sdists, git and path dependencies. The lock does not record
    them, so the likely configuration is rebuilt: when some package comes from
    PyPI, PyPI first with the named sources as supplemental; otherwise the named
    sources alone, as primary (PyPI was disabled, or it would have served one).
    """
    configured = config.get("repositories", {})
    config.merge(
        {
            "repositories": {
                name: {"url": url}
                for name, url in indexes.items()
                if name not in configured
            }
        }
    )
    priority = "supplemental" if uses_pypi else "primary"
    pool_sources: list[dict[str, str]] = [{"name": "pypi"}] if uses_pypi else []
    pool_sources += [
        {"name": name, "url": url, "priority": priority}
        for name, url in indexes.items()
    ]
    return Factory.create_pool(config, pool_sources, io, disable_cache=disable_cache)


def package_indexes(pool: RepositoryPool) -> list[tuple[str, str]]:
    """The pool's package indexes (explicit sources too): name and URL."""
    return [
        (repository.name, repository.url)
        for repository in pool.all_repositories
        if isinstance(repository, HTTPRepository)
    ]


def http_credentials(config: Config, name: str) -> tuple[str | None, str | None]:
    """A source's credentials, as Poetry finds them: its configuration,
    POETRY_HTTP_BASIC_* variables, keyring."""
    credential = PasswordManager(config).get_http_auth(name)
    return credential.username, credential.password


def served_links(poetry: Poetry) -> Callable[[LockedPackage], list[Link]]:
    """For a locked package, the links its source serves for it, looked up as
    Poetry's installer looks them up: with Poetry's configuration, credentials
    and HTTP cache. Their URLs are what poetry.lock does not hold."""
    locked = {
        (
            p.name,
            p.version.text,
            p.source_type or "",
            (p.source_reference or "").lower(),
        ): p
        for p in poetry.locker.locked_repository().packages
    }

    def links(package: LockedPackage) -> list[Link]:
        source = package.source
        key = (
            package.name,
            package.version,
            source.type if source else "",
            ((source.reference if source else None) or "").lower(),
        )
        return _links(poetry.pool, locked[key])

    return links


def _links(pool: RepositoryPool, package: Package) -> list[Link]:
    name = package.source_reference if package.source_type else "PyPI"
    assert name is not None
    try:
        repository = pool.repository(name)
    except (IndexError, ValueError) as e:
        raise InstallLockedError(
            f"{package.pretty_name} {package.full_pretty_version} comes from source"
            f" {name}, which Poetry's configuration does not know: {e}"
        ) from e
    try:
        return repository.find_links_for_package(package)
    except Exception as e:
        url = getattr(repository, "url", "")
        reason = " ".join(str(e).split()) or type(e).__name__
        raise InstallLockedError(
            f"Cannot look up {package.pretty_name} {package.full_pretty_version}"
            f" in source {name} ({url}): {reason}."
        ) from e
