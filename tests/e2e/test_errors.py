"""Bad input: one clear line, a non-zero exit, no traceback, nothing installed."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import pytest

from tests.support import venvs
from tests.support.poetry_cli import make_venv
from tests.support.projects import lock_only_copy


if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.poetry_cli import Poetry


pytestmark = pytest.mark.e2e


def _set_metadata(lock: Path, key: str, value: str) -> None:
    packages, metadata = lock.read_text().split("[metadata]")
    metadata, count = re.subn(
        rf"^{key} = .*$", f'{key} = "{value}"', metadata, flags=re.MULTILINE
    )
    assert count == 1
    lock.write_text(f"{packages}[metadata]{metadata}")


def _break(name: str) -> object:
    def missing(lock: Path) -> None:
        lock.unlink()

    def invalid_toml(lock: Path) -> None:
        lock.write_text(lock.read_text()[:-200] + "\n[[package\n")

    def no_metadata(lock: Path) -> None:
        lock.write_text(lock.read_text().split("[metadata]")[0])

    def lock_version_2_0(lock: Path) -> None:
        _set_metadata(lock, "lock-version", "2.0")

    def python_not_allowed(lock: Path) -> None:
        _set_metadata(lock, "python-versions", ">=3.99")

    return locals()[name]


CASES = [
    (
        "missing",
        r"^No poetry\.lock in .*locked: install-locked installs from a lock file",
    ),
    (
        "invalid_toml",
        r"^.*poetry\.lock is not valid TOML \(.*line \d+.*\): restore it or run `poetry lock`",
    ),
    (
        "no_metadata",
        r"^.*poetry\.lock has no \[metadata\] table, so it is not a Poetry lock file",
    ),
    (
        "lock_version_2_0",
        (
            r"^.*poetry\.lock has lock-version 2\.0, which does not record each"
            r" package's groups and markers, so it cannot be installed without"
            r" pyproject\.toml: run `poetry lock` with Poetry >= 2\.0"
        ),
    ),
    (
        "python_not_allowed",
        (
            r"^Python 3\.\d+\.\d+ is not allowed by python-versions >=3\.99 in poetry\.lock,"
            r" and Poetry found no Python that is"
        ),
    ),
]


@pytest.mark.parametrize(("case", "message"), CASES, ids=[case for case, _ in CASES])
def test_bad_lock_files(
    case: str, message: str, app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    _break(case)(locked / "poetry.lock")  # type: ignore[operator]

    result = poetry.run("install-locked", cwd=locked, check=False)

    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert re.search(message, lines[0]), lines[0]
    assert "Installing" not in result.stdout
    assert not (venvs.site_packages(locked / ".venv") / "alpha").exists()


def test_an_existing_venv_with_a_python_the_lock_does_not_allow(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    make_venv(locked / ".venv")
    _break("python_not_allowed")(locked / "poetry.lock")  # type: ignore[operator]

    result = poetry.run("install-locked", cwd=locked, check=False)

    assert result.returncode == 1
    assert re.fullmatch(
        rf"The virtualenv {re.escape(str(locked / '.venv'))} has Python 3\.\d+\.\d+,"
        r" which python-versions >=3\.99 in poetry\.lock does not allow: remove it,"
        r" and install-locked creates one with a Python the lock allows\.\n",
        result.stderr,
    ), result.stderr
    assert "env use" not in result.stderr  # it needs pyproject.toml
    assert not (venvs.site_packages(locked / ".venv") / "alpha").exists()


def test_very_verbose_debug_output_shows_the_traceback(
    app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    (locked / "poetry.lock").write_text("[metadata]\n")

    assert (
        "Traceback"
        not in poetry.run("install-locked", "-vv", cwd=locked, check=False).stderr
    )
    debug = poetry.run("install-locked", "-vvv", cwd=locked, check=False)
    assert debug.returncode == 1
    assert "InstallLockedError" in debug.stderr
    assert "lock_file.py" in debug.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            ["--with", "nope"],
            "Group(s) not found: nope (poetry.lock knows: dev, docs, main).",
        ),
        (["-E", "nope"], "Extra(s) not found: nope (poetry.lock knows: fancy)."),
    ],
)
def test_unknown_groups_and_extras_list_the_known_ones(
    option: list[str], message: str, app_template: Path, poetry: Poetry, tmp_path: Path
) -> None:
    locked = lock_only_copy(app_template, tmp_path / "locked")
    result = poetry.run("install-locked", *option, cwd=locked, check=False)

    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert not (locked / ".venv").exists()
