"""A Poetry release that renames or changes an internal the plugin relies on is
reported as unsupported, in one line, before anything is read or installed;
never as a problem of the user's lock."""

from __future__ import annotations

import re
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.testers.command_tester import CommandTester
from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin
from poetry_plugin_install_locked.poetry_api import INTERNALS


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_plugin_install_locked.poetry_api import Internal


def unsupported(problem: str) -> str:
    return (
        f"Poetry {version('poetry')} is not supported by poetry-plugin-install-locked"
        f" {version('poetry-plugin-install-locked')} ({problem}): install a Poetry"
        " version the plugin is tested with (2.0 to 2.5), or upgrade the plugin."
    )


def run(tester: CommandTester, project: Path) -> str:
    assert tester.execute("--only main") == 1
    error = tester.io.fetch_error()
    assert "poetry lock" not in error
    assert not (project / ".venv").exists()
    return error.strip()


@pytest.mark.parametrize("internal", INTERNALS, ids=str)
def test_a_missing_internal(
    internal: Internal,
    tester: CommandTester,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(internal.owner, internal.name)
    problem = (
        f"{internal} takes no {', '.join(internal.parameters)}"
        if internal.name == "__init__"  # object.__init__ takes over
        else f"it has no {internal}"
    )
    assert run(tester, project) == unsupported(problem)


@pytest.mark.parametrize("internal", [i for i in INTERNALS if i.parameters], ids=str)
def test_an_internal_whose_parameters_changed(
    internal: Internal,
    tester: CommandTester,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def renamed(self: Any, renamed_argument: Any = None) -> None:
        raise AssertionError("must not be called")

    monkeypatch.setattr(internal.owner, internal.name, renamed)
    expected = unsupported(f"{internal} takes no {', '.join(internal.parameters)}")
    assert run(tester, project) == expected


def test_every_problem_is_named_in_the_one_line(
    tester: CommandTester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = INTERNALS[0], INTERNALS[1]
    monkeypatch.delattr(first.owner, first.name)
    monkeypatch.delattr(second.owner, second.name)

    error = run(tester, project)

    assert re.search(rf"it has no {first}; it has no {second}\)", error), error


def test_a_poetry_whose_modules_the_plugin_cannot_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The commands load when they run: a Poetry so different that the plugin's
    own modules fail to import still gets the one line, not a traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "poetry_plugin_install_locked.command", None)
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    tester = CommandTester(application.find("install-locked"))

    assert tester.execute("--only main") == 1
    error = tester.io.fetch_error().strip()
    assert error.startswith(
        f"Poetry {version('poetry')} is not supported by poetry-plugin-install-locked"
    )
    assert "(ModuleNotFoundError: " in error
    assert error.endswith("or upgrade the plugin.")
    assert "\n" not in error
