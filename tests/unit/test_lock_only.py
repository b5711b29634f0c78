"""The lock-only Locker and Config: the up-front check costs no second parse of
the lock, and the installer never resolves again, whatever else Poetry reads."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.io.null_io import NullIO
from poetry.config.config import Config
from poetry.packages.locker import Locker

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import check_readable
from poetry_plugin_install_locked.lock_file import read_lock_file
from poetry_plugin_install_locked.lock_only import LockOnlyConfig
from poetry_plugin_install_locked.lock_only import LockOnlyLocker
from poetry_plugin_install_locked.lock_only import load_lock_only_config
from poetry_plugin_install_locked.lock_only import wants_re_resolve
from tests.support.locks import LOCK
from tests.support.locks import write


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
    lock = read_lock_file(path)
    locker = CountingLocker(lock)

    check_readable(lock, locker.build_package)
    repository = locker.locked_repository()

    assert locker.built == 4  # each package once, for the check and the installer
    assert described(repository) == described(Locker(path, {}).locked_repository())


def test_the_file_is_read_once(tmp_path: Path) -> None:
    lock = read_lock_file(write(tmp_path, LOCK))
    lock.path.write_text("not read again")

    repository = LockOnlyLocker(lock).locked_repository()

    assert [p.name for p in repository.packages] == [
        "requests",
        "pytest",
        "rich",
        "lib",
    ]


def test_later_reads_build_fresh_packages(tmp_path: Path) -> None:
    lock = read_lock_file(write(tmp_path, LOCK))
    locker = LockOnlyLocker(lock)
    check_readable(lock, locker.build_package)

    first, second = locker.locked_repository(), locker.locked_repository()

    assert described(first) == described(second)
    assert not {id(p) for p in first.packages} & {id(p) for p in second.packages}


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ('version = "8.0"', 'version = "eight"', "pytest"),
        (
            'type = "legacy"\nurl = "https://pkgs.example/simple"',
            'type = "url"\nurl = "0"',
            "Requests",
        ),
    ],
    ids=["not a version", "not a URL"],
)
def test_a_package_poetry_cannot_read_is_named_in_one_line(
    tmp_path: Path, old: str, new: str, name: str
) -> None:
    assert old in LOCK
    path = write(tmp_path, LOCK.replace(old, new, 1))
    lock = read_lock_file(path)

    with pytest.raises(InstallLockedError) as error:
        check_readable(lock, LockOnlyLocker(lock).build_package)

    assert str(error.value).startswith(
        f"{path}, package {name!r} cannot be read by Poetry ("
    )
    assert str(error.value).endswith(
        "run `poetry lock` with Poetry >= 2.0 to regenerate it."
    )


def test_the_installers_view_never_resolves_again_and_shares_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_INSTALLER_RE_RESOLVE", "true")
    (tmp_path / "poetry.toml").write_text("[installer]\nmax-workers = 3\n")
    config = load_lock_only_config(tmp_path, NullIO())
    view = LockOnlyConfig(config)

    assert view.get("installer.re-resolve") is False
    assert wants_re_resolve(config)  # what `poetry install` will do
    assert view.get("installer.max-workers") == 3
    config.merge({"repositories": {"corp": {"url": "https://pkgs.example/simple"}}})
    assert view.get("repositories.corp.url") == "https://pkgs.example/simple"


def test_poetrys_process_wide_configuration_stays_poetrys(tmp_path: Path) -> None:
    config = load_lock_only_config(tmp_path, NullIO())
    LockOnlyConfig(config)

    assert type(Config.create()) is Config
