"""The pylock writer: the packages a selection installs as a PEP 751 document
that packaging reads back, each file at the URL its source serves it from."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest
import tomlkit

from packaging.pylock import Pylock
from packaging.utils import canonicalize_name
from poetry.core.packages.utils.link import Link

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import read_lock_file
from poetry_plugin_install_locked.lock_slice import Selection
from poetry_plugin_install_locked.lock_slice import slice_packages
from poetry_plugin_install_locked.pylock import PylockWriter
from poetry_plugin_install_locked.pylock import Target
from poetry_plugin_install_locked.pylock import looked_up
from poetry_plugin_install_locked.served_files import Served
from tests.support.locks import LOCK as DIRECTORY_LOCK
from tests.support.locks import write
from tests.unit.test_lock_slice import LINUX
from tests.unit.test_lock_slice import LOCK as SLICE_LOCK


# Wheel file names as installers name them (the distribution's dashes as `_`).
LOCK = SLICE_LOCK.replace('file = "app-lib-1.0', 'file = "app_lib-1.0')


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_plugin_install_locked.lock_file import LockFile


def writer(locked: LockFile, target: Target) -> PylockWriter:
    """A writer of `locked`, whose sources serve every locked file, each at a
    URL of its own."""
    served = {}
    for package in looked_up(list(locked.packages)):
        base = package.source.url if package.source else "https://pypi.org/simple"
        links = {f.name: Link(f"{base}/files/{f.name}") for f in package.files}
        served[package.key] = Served(links, ())
    return PylockWriter(locked, target, served)


def target(tmp_path: Path) -> Target:
    return Target(tmp_path, 'python_version >= "3.9"', ["main", "dev"])


def read(text: str) -> Pylock:
    return Pylock.from_dict(tomlkit.parse(text).unwrap())


def lock(tmp_path: Path, text: str = LOCK) -> LockFile:
    return read_lock_file(write(tmp_path, text))


def select(
    groups: set[str], extras: frozenset[str] = frozenset(), environment: Any = None
) -> Selection:
    return Selection(
        frozenset(map(canonicalize_name, groups)),
        frozenset(map(canonicalize_name, extras)),
        environment,
    )


def test_a_single_use_file_holds_the_slice_at_its_sources_urls(tmp_path: Path) -> None:
    locked = lock(tmp_path)
    packages = slice_packages(locked, select({"main"}))

    document = read(writer(locked, target(tmp_path)).single_use(packages))

    by_name = {str(p.name): p for p in document.packages}
    assert set(by_name) == {"app-lib", "both", "maybe", "winonly"}
    app_lib = by_name["app-lib"]
    assert app_lib.index == "https://pkgs.example/simple"
    (wheel,) = app_lib.wheels or []
    assert wheel.url == "https://pkgs.example/simple/files/app_lib-1.0-py3-none-any.whl"
    assert wheel.hashes == {"sha256": "app-lib" * 8}
    assert by_name["both"].index == "https://pypi.org/simple"
    assert str(by_name["maybe"].marker) == 'sys_platform == "win32"'
    assert document.extras is None
    assert document.dependency_groups is None
    assert [str(e) for e in document.environments or []] == ['python_version >= "3.9"']


@pytest.mark.parametrize(
    ("groups", "extras", "installed"),
    [
        ({"main"}, set(), {"app-lib", "both"}),
        ({"main"}, {"fast"}, {"app-lib", "both", "fancy", "maybe"}),
        # `both` is needed by dev from Python 3.10 on.
        ({"dev"}, set(), {"both", "devtool"}),
        (
            {"main", "dev"},
            {"fast", "slow"},
            {"app-lib", "both", "devtool", "fancy", "maybe", "slow"},
        ),
    ],
)
def test_a_multi_use_file_selects_what_each_selection_installs(
    groups: set[str], extras: set[str], installed: set[str], tmp_path: Path
) -> None:
    """What packaging selects from the file, by `dependency_groups` and
    `extras`, on Linux and Python 3.11: what the lock's groups and markers say
    (winonly is for Windows, and maybe too without the fast extra)."""
    locked = lock(tmp_path)
    document = read(writer(locked, target(tmp_path)).multi_use())

    selected = document.select(
        environment=LINUX,  # type: ignore[arg-type]
        dependency_groups=sorted(groups),
        extras=sorted(extras),
    )
    assert {str(package.name) for package, _ in selected} == installed
    assert document.default_groups == ["main", "dev"]
    assert document.dependency_groups == ["dev", "main"]
    assert document.extras == ["fast", "slow"]


def test_the_same_lock_and_sources_give_the_same_bytes(tmp_path: Path) -> None:
    locked = lock(tmp_path)
    packages = slice_packages(locked, select({"main", "dev"}))
    first = writer(locked, target(tmp_path)).single_use(packages)
    assert (
        writer(locked, target(tmp_path)).single_use(list(reversed(packages))) == first
    )


def test_a_package_with_no_locked_files_cannot_be_named(tmp_path: Path) -> None:
    text = LOCK.replace(
        'files = [\n    {file = "winonly-1.0-py3-none-any.whl", hash = "sha256:'
        + "winonly" * 8
        + '"},\n]',
        "files = []",
    )
    assert text != LOCK
    locked = lock(tmp_path, text)

    packages = slice_packages(locked, select({"main"}))
    with pytest.raises(InstallLockedError) as error:
        writer(locked, target(tmp_path)).single_use(packages)
    assert "package 'winonly' 1.0 records no files" in str(error.value)


def test_local_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    # The directory dependency of the hand-written lock.
    (directory,) = (
        f"\n[[package]]{table}"
        for table in DIRECTORY_LOCK.split("\n[extras]")[0].split("\n[[package]]")
        if 'type = "directory"' in table
    )
    locked = lock(tmp_path, LOCK.replace("\n[extras]", directory + "\n[extras]"))
    packages = slice_packages(locked, select({"main"}))
    elsewhere = Target(tmp_path / "out", "", None)

    document = read(writer(locked, elsewhere).single_use(packages))

    (lib,) = (p for p in document.packages if p.name == "lib")
    assert lib.directory is not None
    assert (lib.directory.path, lib.directory.editable) == ("../libs/lib", True)
    assert lib.version is None  # a source tree's version is its own to say
