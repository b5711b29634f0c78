"""The command through cleo's CommandTester: option handling and group selection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin


if TYPE_CHECKING:
    from pathlib import Path

    from cleo.testers.command_tester import CommandTester


def test_the_plugin_registers_the_command() -> None:
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    assert application.has("install-locked")


@pytest.mark.parametrize(
    ("args", "installed", "skipped"),
    [
        ("", {"requests", "pytest", "lib"}, {"rich"}),
        ("--only main", {"requests", "lib"}, {"pytest", "rich"}),
        ("--without test", {"requests", "lib"}, {"pytest", "rich"}),
        ("-E pretty --only main", {"requests", "rich", "lib"}, {"pytest"}),
        ("--all-extras --all-groups", {"requests", "pytest", "rich", "lib"}, set()),
        ("--no-directory", {"requests", "pytest"}, {"rich", "lib"}),
    ],
)
def test_dry_run_selects_by_locked_groups_markers_and_extras(
    args: str,
    installed: set[str],
    skipped: set[str],
    tester: CommandTester,
    project: Path,
) -> None:
    library = project / "libs" / "lib"
    library.mkdir(parents=True)
    (library / "pyproject.toml").write_text(
        '[project]\nname = "lib"\nversion = "0.1"\n'
    )
    assert tester.execute(f"--dry-run {args}") == 0
    output = tester.io.fetch_output()

    for name in installed:
        assert f"Installing {name} (" in output
    for name in skipped:
        assert f"Installing {name} (" not in output


def test_dry_run_announces_the_groups_and_warns_how_to_narrow_them(
    tester: CommandTester,
) -> None:
    tester.execute("--dry-run --no-directory")

    assert "Installing the locked groups: main, dev, test" in tester.io.fetch_output()
    assert (
        "Warning: poetry.lock does not record which groups are optional, so without"
        " pyproject.toml all of them (main, dev, test) are selected: narrow them with"
        " --only main (or --without NAME), or slice the lock beside pyproject.toml"
        " to have them as declared (the exact slice recipe, docs/docker.md)."
        in tester.io.fetch_error()
    )


def test_no_warning_once_the_groups_are_chosen(tester: CommandTester) -> None:
    tester.execute("--dry-run --no-directory --only main")
    assert "which groups are optional" not in tester.io.fetch_error()


@pytest.mark.parametrize("re_resolve", ["true", "false"])
def test_a_warning_where_poetry_install_would_resolve_again(
    re_resolve: str, tester: CommandTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Poetry before 2.3 resolves again by default: the lock's markers and its
    resolution can differ, and the setting that makes them agree is named."""
    monkeypatch.setenv("POETRY_INSTALLER_RE_RESOLVE", re_resolve)
    assert tester.execute("--dry-run --no-directory --only main") == 0

    warning = (
        "Warning: installer.re-resolve is true (Poetry's default before 2.3), so"
        " `poetry install` beside pyproject.toml resolves again for its environment,"
        " where without pyproject.toml the lock's groups and markers decide, and the"
        " two can differ: set installer.re-resolve to false"
        " (POETRY_INSTALLER_RE_RESOLVE=false) for both (docs/usage.md)."
    )
    assert (warning in tester.io.fetch_error()) == (re_resolve == "true")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            "-E pretty --all-extras",
            "You cannot specify explicit --extras while installing using --all-extras.",
        ),
        (
            "--with dev --all-groups",
            "You cannot specify --with, --without, or --only when using --all-groups.",
        ),
        (
            "--only docs,dev",
            "Group(s) not found: docs (poetry.lock knows: dev, main, test).",
        ),
        ("-E ugly", "Extra(s) not found: ugly (poetry.lock knows: pretty)."),
    ],
)
def test_invalid_options_are_one_line_errors(
    args: str, error: str, tester: CommandTester, project: Path
) -> None:
    assert tester.execute(args) == 1
    assert tester.io.fetch_error().strip() == error
    assert not (project / ".venv").exists()


def test_missing_lock(tester: CommandTester, project: Path) -> None:
    (project / "poetry.lock").unlink()
    assert tester.execute("") == 1
    assert tester.io.fetch_error().startswith(f"No poetry.lock in {project}: ")


def test_a_lock_without_packages_installs_nothing_and_names_no_group(
    tester: CommandTester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `poetry lock` writes it for a project with no dependencies."""
    monkeypatch.setenv("POETRY_INSTALLER_RE_RESOLVE", "false")
    (project / "poetry.lock").write_text(
        'package = []\n\n[metadata]\nlock-version = "2.1"\n'
        'python-versions = ">=3.9"\ncontent-hash = "0"\n'
    )
    assert tester.execute("") == 0

    assert tester.io.fetch_output() == "Installing dependencies from lock file\n"
    assert "Warning" not in tester.io.fetch_error()
