"""The lock reader: what lock-only mode may trust, and one line for what it may not."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import pytest

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import read_lock_file
from tests.support.locks import LOCK
from tests.support.locks import write


if TYPE_CHECKING:
    from pathlib import Path


def test_reads_groups_extras_python_and_sources(tmp_path: Path) -> None:
    lock = read_lock_file(write(tmp_path, LOCK))

    assert lock.lock_version == "2.1"
    assert lock.python_versions == "^3.9"
    assert lock.groups == ["main", "dev", "test"]
    assert lock.extras == {"pretty": ("rich",)}
    assert lock.indexes == {"corp": "https://pkgs.example/simple"}
    assert lock.uses_pypi
    assert [(p.name, p.source and p.source.type) for p in lock.packages] == [
        ("requests", "legacy"),
        ("pytest", None),
        ("rich", None),
        ("lib", "directory"),
    ]


def test_a_lock_with_every_package_from_named_sources_does_not_use_pypi(
    tmp_path: Path,
) -> None:
    text = LOCK.split('[[package]]\nname = "pytest"')[0] + LOCK.split("[extras]")[1]
    assert not read_lock_file(write(tmp_path, text)).uses_pypi


def _replace(old: str, new: str) -> str:
    assert old in LOCK
    return LOCK.replace(old, new, 1)


BROKEN = {
    "empty file": ("", "has no [metadata] table"),
    "truncated": (LOCK[: LOCK.index("[metadata]") + 5], "is not valid TOML"),
    "invalid toml": (LOCK + "\n[[package\n", "is not valid TOML"),
    "no metadata": (LOCK.split("[metadata]")[0], "has no [metadata] table"),
    "lock-version 1.1": (
        _replace('lock-version = "2.1"', 'lock-version = "1.1"'),
        "has lock-version 1.1, which does not record",
    ),
    "lock-version 2.0": (
        _replace('lock-version = "2.1"', 'lock-version = "2.0"'),
        "has lock-version 2.0, which does not record",
    ),
    "lock-version 3.0": (
        _replace('lock-version = "2.1"', 'lock-version = "3.0"'),
        "has lock-version 3.0, newer than this plugin reads",
    ),
    "lock-version garbage": (
        _replace('lock-version = "2.1"', 'lock-version = "x.y"'),
        "has an unreadable lock-version 'x.y'",
    ),
    "no python-versions": (
        _replace('python-versions = "^3.9"\n', ""),
        "has no [metadata] python-versions",
    ),
    "package without name": (
        _replace('name = "pytest"\n', ""),
        "package #2 has no name",
    ),
    "package without version": (
        _replace('version = "8.0"\n', ""),
        "package 'pytest' has no version",
    ),
    "package without groups": (
        _replace('groups = ["test"]\n', ""),
        "package 'pytest' has no groups list",
    ),
    "package with malformed files": (
        _replace(
            'files = []\n\n[package.source]\ntype = "legacy"',
            'files = "x"\n\n[package.source]\ntype = "legacy"',
        ),
        "package 'Requests' has a malformed files list",
    ),
    "unknown source type": (
        _replace('type = "directory"', 'type = "svn"'),
        "package 'lib' has an unknown source type 'svn'",
    ),
    "source without url": (
        _replace('url = "libs/lib"\n', ""),
        "package 'lib' has a source with no url",
    ),
    "legacy source without name": (
        _replace('reference = "corp"\n', ""),
        "package 'Requests' has a package source with no name",
    ),
    "duplicate package": (
        LOCK.replace(
            "[extras]", "[[package]]" + LOCK.split("[[package]]")[2] + "[extras]"
        ),
        "lists package 'pytest' 8.0 twice",
    ),
    "one source name in two cases with two urls": (
        LOCK.replace(
            '[[package]]\nname = "pytest"',
            '[[package]]\nname = "other"\nversion = "1.0"\ndescription = ""\n'
            'optional = false\npython-versions = "*"\ngroups = ["main"]\n'
            'files = []\n\n[package.source]\ntype = "legacy"\n'
            'url = "https://elsewhere.example/simple"\nreference = "CORP"\n\n'
            '[[package]]\nname = "pytest"',
        ),
        "names source 'CORP' with two urls",
    ),
    "no package list": (
        LOCK.split("[[package]]")[0] + "[extras]" + LOCK.split("[extras]")[1],
        "has a malformed [[package]] list",
    ),
    "malformed marker": (
        _replace(
            'markers = "extra == \\"pretty\\""', 'markers = "python_version >< (3"'
        ),
        "package 'rich' has malformed markers",
    ),
    "marker of another type": (
        _replace('markers = "extra == \\"pretty\\""', "markers = 3"),
        "package 'rich' has malformed markers",
    ),
    "malformed extras": (
        _replace('Pretty = ["rich (>=13)"]', 'Pretty = "rich"'),
        "has a malformed [extras] table",
    ),
    "an extra's empty member": (
        _replace('Pretty = ["rich (>=13)"]', 'Pretty = [""]'),
        "has a malformed [extras] table",
    ),
}


@pytest.mark.parametrize(("text", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_locks_are_one_line_errors_naming_the_problem(
    text: str, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InstallLockedError) as error:
        read_lock_file(path)

    assert message in str(error.value)


def test_a_lock_of_poetry_1x_alone_is_refused_naming_both_ways_on(
    tmp_path: Path,
) -> None:
    """Regenerate the lock, or keep it and slice it beside pyproject.toml."""
    path = write(tmp_path, _replace('lock-version = "2.1"', 'lock-version = "2.0"'))
    with pytest.raises(InstallLockedError) as error:
        read_lock_file(path)

    assert str(error.value) == (
        f"{path} has lock-version 2.0, which does not record each package's groups"
        " and markers, so it cannot be installed without pyproject.toml: run"
        " `poetry lock` with Poetry >= 2.0 to regenerate it, or keep it as it is and"
        " slice it beside pyproject.toml (the exact slice recipe, docs/docker.md)."
    )
    assert str(error.value).startswith(str(path))
    assert "\n" not in str(error.value)


def test_a_missing_lock_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(
        InstallLockedError, match=rf"^No poetry\.lock in {re.escape(str(tmp_path))}: "
    ):
        read_lock_file(tmp_path / "poetry.lock")
