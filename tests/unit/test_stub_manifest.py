"""The stub manifest carries what the installer needs from the root, and no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from packaging.utils import canonicalize_name

from poetry_plugin_install_locked.exceptions import InstallLockedError
from poetry_plugin_install_locked.lock_file import LockedPackage
from poetry_plugin_install_locked.lock_file import LockFile
from poetry_plugin_install_locked.stub_manifest import STUB_NAME
from poetry_plugin_install_locked.stub_manifest import build_stub_package


def lock(python_versions: str = ">=3.9,<4.0") -> LockFile:
    c = canonicalize_name
    return LockFile(
        path=Path("/app/poetry.lock"),
        lock_version="2.1",
        python_versions=python_versions,
        packages=(
            LockedPackage(c("a"), "1", frozenset({c("main"), c("dev")})),
            LockedPackage(c("b"), "1", frozenset({c("docs")})),
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
    assert (package.name, package.version.text) == (STUB_NAME, "0")
    assert package.all_requires == []


def test_the_users_project_name_replaces_the_placeholder() -> None:
    assert build_stub_package(lock(), "My_App").name == "my-app"


def test_an_invalid_python_constraint_is_a_lock_error() -> None:
    with pytest.raises(InstallLockedError, match="invalid python-versions 'banana'"):
        build_stub_package(lock("banana"))
