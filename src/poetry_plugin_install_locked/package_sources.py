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


if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.repositories import RepositoryPool

    from poetry_plugin_install_locked.lock_file import LockedSource


def create_pool(
    sources: list[LockedSource], config: Config, io: IO, *, disable_cache: bool
) -> RepositoryPool:
    """Register `sources` in `config` and build the pool the installer uses.

    Each source is explicit (it serves only the packages that name it), which
    leaves PyPI as the primary repository for the packages that name none.
    """
    configured = config.get("repositories", {})
    config.merge(
        {
            "repositories": {
                source.name: {"url": source.url}
                for source in sources
                if source.name not in configured
            }
        }
    )
    return Factory.create_pool(
        config,
        [
            {"name": source.name, "url": source.url, "priority": "explicit"}
            for source in sources
        ],
        io,
        disable_cache=disable_cache,
    )
