"""The lock-only locker: the up-front check costs no second parse of the lock."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest

from poetry.packages.locker import Locker

from poetry_plugin_install_locked.poetry_api import LockOnlyLocker
from tests.unit.test_lock_file import LOCK
from tests.unit.test_lock_file import write


if TYPE_CHECKING:
    from pathlib import Path

    from poetry.core.packages.package import Package
    from poetry.repositories.lockfile_repository import LockfileRepository


class CountingLocker(LockOnlyLocker):
    built = 0

    def _get_locked_package(self, *args: Any, **kwargs: Any) -> Package:
        self.built += 1
        return super()._get_locked_package(*args, **kwargs)


def described(repository: LockfileRepository) -> list[tuple[str, str, list[str]]]:
    return [
        (p.name, p.version.text, sorted(str(d) for d in p.requires))
        for p in repository.packages
    ]


def test_the_installer_reads_the_packages_the_check_built(tmp_path: Path) -> None:
    path = write(tmp_path, LOCK)
    locker = CountingLocker(path, {})

    assert locker.unreadable_package() is None
    repository = locker.locked_repository()

    assert locker.built == 4  # each package once, for the check and the installer
    assert described(repository) == described(Locker(path, {}).locked_repository())


def test_later_reads_build_fresh_packages(tmp_path: Path) -> None:
    locker = LockOnlyLocker(write(tmp_path, LOCK), {})
    assert locker.unreadable_package() is None

    first, second = locker.locked_repository(), locker.locked_repository()

    assert described(first) == described(second)
    assert not {id(p) for p in first.packages} & {id(p) for p in second.packages}


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ('version = "8.0"', "version = 8", "pytest"),
        (
            'type = "legacy"\nurl = "https://pkgs.example/simple"',
            'type = "url"\nurl = "0"',
            "Requests",
        ),
    ],
    ids=["version not a string", "not a URL"],
)
def test_an_unreadable_package_is_named(
    tmp_path: Path, old: str, new: str, name: str
) -> None:
    assert old in LOCK
    locker = LockOnlyLocker(write(tmp_path, LOCK.replace(old, new, 1)), {})

    unreadable = locker.unreadable_package()

    assert unreadable is not None
    assert unreadable[0] == name
