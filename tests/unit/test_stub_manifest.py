"""The stub manifest carries what the installer needs from the root, and no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from packaging.utils import canonicalize_name

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import LockedPackage
from poetry_plugin_install_locked.lock_file import LockFile
from poetry_plugin_install_locked.stub_manifest import build_stub_package


def lock(python_versions: str = ">=3.9,<4.0", directory: str = "/app") -> LockFile:
    c = canonicalize_name
    return LockFile(
        path=Path(directory) / "poetry.lock",
        lock_version="2.1",
        python_versions=python_versions,
        packages=(
            LockedPackage(c("a"), "1", ("main", "dev")),
            LockedPackage(c("b"), "1", ("docs",)),
        ),
        extras={c("fancy"): (c("a"),)},
    )


def test_every_locked_group_is_a_non_optional_group() -> None:
    package = build_stub_package(lock())

    assert package.dependency_group_names() == {"main", "dev", "docs"}
    assert package.dependency_group_names(include_optional=True) == {
        "main",
        "dev",
        "docs",
    }


def test_the_lock_decides_python_and_extras_and_nothing_else_is_carried() -> None:
    package = build_stub_package(lock())

    assert package.python_versions == ">=3.9,<4.0"
    assert list(package.extras) == ["fancy"]
    assert [d.name for d in package.extras[canonicalize_name("fancy")]] == ["a"]
    assert package.version.text == "0"
    assert package.all_requires == []


@pytest.mark.parametrize(
    ("directory", "name"),
    [
        ("/app", "app"),
        ("/srv/My_Service", "my-service"),
        ("/work/a b.c", "a-b-c"),
        ("/src/a", "a-project"),  # a locked package's name is not the root's
        ("/", "project"),
        ("/__", "project"),
    ],
)
def test_the_project_is_named_after_the_locks_directory(
    directory: str, name: str
) -> None:
    assert build_stub_package(lock(directory=directory)).name == name


def test_the_users_project_name_comes_first() -> None:
    assert build_stub_package(lock(), "My_App").name == "my-app"


def test_an_invalid_python_constraint_is_a_lock_error() -> None:
    with pytest.raises(InstallLockedError, match="invalid python-versions 'banana'"):
        build_stub_package(lock("banana"))
