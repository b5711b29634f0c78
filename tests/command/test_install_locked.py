"""The command through cleo's CommandTester: option handling and group selection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cleo.testers.command_tester import CommandTester
from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin
from tests.unit.test_lock_file import LOCK


if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "poetry.lock").write_text(LOCK)
    return tmp_path


@pytest.fixture
def tester(project: Path) -> CommandTester:
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    return CommandTester(application.find("install-locked"))


def test_the_plugin_registers_the_command() -> None:
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    assert application.has("install-locked")


@pytest.mark.parametrize(
    ("args", "installed", "skipped"),
    [
        ("", {"requests", "pytest"}, {"rich"}),
        ("--only main", {"requests"}, {"pytest", "rich"}),
        ("--without test", {"requests"}, {"pytest", "rich"}),
        ("-E pretty --only main", {"requests", "rich"}, {"pytest"}),
        ("--all-extras --all-groups", {"requests", "pytest", "rich"}, set()),
    ],
)
def test_dry_run_selects_by_locked_groups_markers_and_extras(
    args: str,
    installed: set[str],
    skipped: set[str],
    tester: CommandTester,
    project: Path,
) -> None:
    assert tester.execute(f"--dry-run --no-directory {args}") == 0
    output = tester.io.fetch_output()

    for name in installed:
        assert f"Installing {name} (" in output
    for name in skipped:
        assert f"Installing {name} (" not in output
    assert "lib" not in output.replace("library", "")  # --no-directory


def test_dry_run_announces_the_groups_and_how_to_narrow_them(
    tester: CommandTester,
) -> None:
    tester.execute("--dry-run --no-directory")
    output = tester.io.fetch_output()

    assert "Installing the locked groups: main, dev, test" in output
    assert "narrow them with --only main" in output


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
