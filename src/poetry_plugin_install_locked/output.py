"""The output: a slice or a pylock.toml as the same bytes on every OS.

A slice's bytes are a Docker build's cache key: they must change when what it
installs changes, and never with the OS or the locale of the machine that wrote
it (a developer's laptop, a Linux CI runner). So it is written as UTF-8 with
`\\n` line ends, in binary, to a file (whole or not at all) or to standard
output.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from pathlib import Path
from typing import TYPE_CHECKING

from cleo.io.outputs.output import Type
from cleo.io.outputs.output import Verbosity

from poetry_plugin_install_locked.exceptions import InstallLockedError


if TYPE_CHECKING:
    from cleo.io.io import IO


# On Windows a file another process holds open (an editor, an antivirus scan)
# cannot be replaced for a moment: so many tries, so long apart.
REPLACE_TRIES = 10
REPLACE_PAUSE = 0.1


def write_file(path: Path, text: str) -> None:
    """Write `text` to `path`, its directory created: whole, or not at all.

    A slice half-written into a build stage would be worse than none, so the
    text goes to a file beside it first, which then replaces it (with the
    permissions a new file gets, as a build stage copies them along).
    """
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "wb", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as file:
            temporary = Path(file.name)
            file.write(text.encode("utf-8"))
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
        replace(temporary, path)
    except OSError as e:
        raise InstallLockedError(
            f"Cannot write the slice to {path}: {e.strerror or e}."
        ) from e
    finally:
        if temporary is not None and temporary.exists():
            temporary.unlink()


def replace(source: Path, target: Path, *, platform: str = sys.platform) -> None:
    """Move `source` onto `target` at once; on Windows, where a target held
    open refuses it for a moment, after a few short pauses if need be."""
    for attempt in range(1, REPLACE_TRIES + 1):
        try:
            source.replace(target)
            return
        except PermissionError:
            if platform != "win32" or attempt == REPLACE_TRIES:
                raise
            time.sleep(REPLACE_PAUSE)


def write_standard_output(io: IO, text: str) -> None:
    """`text` to standard output: in UTF-8 with `\\n`, through the stream's
    binary buffer, whatever the console's code page and newline (redirected on
    Windows, a text stream writes CRLF in the ANSI code page); through the IO
    where it has no buffer (a test's)."""
    stream = getattr(io.output, "stream", None)
    buffer = getattr(stream, "buffer", None)
    if stream is None or buffer is None:
        io.write(text, type=Type.RAW, verbosity=Verbosity.QUIET)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
