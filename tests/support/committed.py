"""The fixture app's pyproject.toml and poetry.lock, committed, for the fast tests.

Locking the app needs the tests' index, their git daemon and `poetry lock` in a
subprocess: seconds the command tests should not wait for. They read the
committed copy instead, where the servers' addresses are placeholders; an
end-to-end test keeps it equal to what `poetry lock` writes, and

    .venv/bin/python -m tests.support.committed

writes it again after the fixture app changes.
"""

from __future__ import annotations

import shutil
import tempfile

from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from tests.support.projects import Fixtures


COMMITTED = Path(__file__).parent / "committed" / "app"
FILES = ("pyproject.toml", "poetry.lock")
INDEX_URL = "http://index.invalid"
GIT_URL = "git://git.invalid"


def with_placeholders(text: str, fixtures: Fixtures) -> str:
    """`text` with the servers' addresses replaced by the committed placeholders."""
    git = fixtures.git.url("x").removesuffix("/x.git")
    return text.replace(fixtures.index.url, INDEX_URL).replace(git, GIT_URL)


def comparable(lock: str) -> str:
    """A lock without what depends on the servers' addresses or on the Poetry
    that wrote it: its header and its content-hash."""
    return "".join(
        line
        for line in lock.splitlines(keepends=True)
        if not line.startswith(("# This file is automatically", "content-hash = "))
    )


def copy_committed(destination: Path, *names: str) -> Path:
    """The committed app (or some of its files) in `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in names or FILES:
        shutil.copy2(COMMITTED / name, destination / name)
    return destination


def write_committed() -> None:
    """Lock the fixture app with the real servers and `poetry lock`, and commit
    it with placeholders, its content-hash that of the committed pyproject.toml."""
    from poetry.factory import Factory

    from tests.support.git_server import GitDaemon
    from tests.support.index import PackageIndex
    from tests.support.poetry_cli import Poetry
    from tests.support.projects import PRIVATE_CREDENTIALS
    from tests.support.projects import serve_fixtures
    from tests.support.projects import write_app

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for name in ("index", "git"):
            (root / name).mkdir()
        index, git = PackageIndex(root / "index"), GitDaemon(root / "git")
        index.start()
        git.start()
        try:
            fixtures = serve_fixtures(index, git)
            write_app(root / "app", fixtures)
            Poetry(root / "home", PRIVATE_CREDENTIALS).run("lock", cwd=root / "app")
        finally:
            git.stop()
            index.stop()
        COMMITTED.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            text = (root / "app" / name).read_text(encoding="utf-8")
            commit(COMMITTED / name, with_placeholders(text, fixtures))
    locker = Factory().create_poetry(COMMITTED).locker
    lock = (COMMITTED / "poetry.lock").read_text(encoding="utf-8")
    old = next(line for line in lock.splitlines() if line.startswith("content-hash"))
    new = f'content-hash = "{locker._content_hash}"'
    commit(COMMITTED / "poetry.lock", lock.replace(old, new))
    assert Factory().create_poetry(COMMITTED).locker.is_fresh()


def commit(path: Path, text: str) -> None:
    """Write a committed file as Poetry writes it, whatever the platform: UTF-8,
    with LF line endings (text mode would write CRLF on Windows)."""
    path.write_bytes(text.encode())


if __name__ == "__main__":
    write_committed()
