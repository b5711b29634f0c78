"""Broken and hostile lock files: exit 1, one line naming the problem (and the
package), no traceback, and the target environment exactly as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest
import tomlkit

from tests.support.poetry_cli import installed_set
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.poetry_cli import Installed
    from tests.support.poetry_cli import Poetry


pytestmark = pytest.mark.e2e


def edit(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        document = tomlkit.parse(text)
        change(document)
        return tomlkit.dumps(document)

    return apply


def package(
    name: str, change: Callable[[dict[str, Any]], None]
) -> Callable[[str], str]:
    def on_package(document: dict[str, Any]) -> None:
        change(next(p for p in document["package"] if p["name"] == name))

    return edit(on_package)


def metadata(key: str, value: str) -> Callable[[str], str]:
    return edit(lambda document: document["metadata"].__setitem__(key, value))


def duplicate(document: dict[str, Any]) -> None:
    document["package"].append(document["package"][0])


CASES: dict[str, tuple[Callable[[str], str], str, list[str]]] = {
    "empty file": (lambda _: "", "has no [metadata] table", []),
    "truncated": (lambda text: text[: len(text) // 2], "is not valid TOML", []),
    "invalid toml": (lambda text: text + "\n[[package\n", "is not valid TOML", []),
    "no metadata": (lambda text: text.split("[metadata]")[0], "has no [metadata]", []),
    "lock-version 1.1": (metadata("lock-version", "1.1"), "lock-version 1.1", []),
    "lock-version 2.0": (metadata("lock-version", "2.0"), "lock-version 2.0", []),
    "lock-version 3.0": (metadata("lock-version", "3.0"), "lock-version 3.0", []),
    "lock-version garbage": (metadata("lock-version", "??"), "lock-version '??'", []),
    "package without name": (
        package("alpha", lambda p: p.pop("name")),
        "has no name",
        [],
    ),
    "package without version": (
        package("alpha", lambda p: p.pop("version")),
        "package 'alpha' has no version",
        [],
    ),
    "package without groups": (
        package("alpha", lambda p: p.pop("groups")),
        "package 'alpha' has no groups",
        [],
    ),
    "package without files": (
        package("alpha", lambda p: p.pop("files")),
        "package 'alpha' cannot be read by Poetry (KeyError: 'files')",
        [],
    ),
    "unknown source type": (
        package("alpha", lambda p: p["source"].__setitem__("type", "svn")),
        "package 'alpha' has an unknown source type 'svn'",
        [],
    ),
    "duplicate package": (edit(duplicate), "lists package 'alpha' 1.0 twice", []),
    "source without url": (
        package("alpha", lambda p: p["source"].pop("url")),
        "package 'alpha' has a source with no url",
        [],
    ),
    "path outside the project": (
        package(
            "alpha",
            lambda p: p.__setitem__(
                "source", {"type": "directory", "url": "../../etc"}
            ),
        ),
        "package 'alpha' points outside the project directory (../../etc is ",
        [],
    ),
    "unknown group": (
        lambda text: text,
        "Group(s) not found: nope",
        ["--with", "nope"],
    ),
    "unknown extra": (lambda text: text, "Extra(s) not found: nope", ["-E", "nope"]),
}


@pytest.fixture(scope="module")
def installed(
    app_template: Path, poetry: Poetry, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Installed]:
    """A lock-only directory whose environment already holds the main group."""
    directory = lock_only_copy(app_template, tmp_path_factory.mktemp("hostile") / "app")
    poetry.run("install-locked", "--only", "main", cwd=directory)
    return directory, installed_set(directory / ".venv")


@pytest.mark.parametrize(
    ("case", "message", "options"), CASES.values(), ids=CASES.keys()
)
def test_a_bad_lock_is_one_line_and_leaves_the_environment_unchanged(
    case: Callable[[str], str],
    message: str,
    options: list[str],
    installed: tuple[Path, Installed],
    app_template: Path,
    poetry: Poetry,
) -> None:
    directory, before = installed
    (directory / "poetry.lock").write_text(
        case((app_template / "poetry.lock").read_text())
    )

    options = options or ["--all-groups", "--all-extras"]  # all it could install
    result = poetry.run("install-locked", *options, cwd=directory, check=False)

    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert installed_set(directory / ".venv") == before
