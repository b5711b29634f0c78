from __future__ import annotations

from importlib.metadata import version


TESTED_POETRY = "2.0 to 2.5"


class InstallLockedError(Exception):
    """An input problem the user can fix; rendered as one line, no traceback."""


def unsupported_poetry_message(problem: object) -> str:
    """That this Poetry lacks something the plugin relies on, and what to do."""
    return (
        f"Poetry {version('poetry')} is not supported by"
        f" poetry-plugin-install-locked {version('poetry-plugin-install-locked')}"
        f" ({problem}): install a Poetry version the plugin is tested with"
        f" ({TESTED_POETRY}), or upgrade the plugin."
    )
