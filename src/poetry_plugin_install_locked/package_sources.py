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


if TYPE_CHECKING:
    from collections.abc import Mapping

    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.repositories import RepositoryPool


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
