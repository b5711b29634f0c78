from __future__ import annotations


class InstallLockedError(Exception):
    """An input problem the user can fix; rendered as one line, no traceback."""
