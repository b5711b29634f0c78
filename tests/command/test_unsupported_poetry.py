"""A Poetry release that renames or changes an internal the plugin relies on is
reported as unsupported, in one line, before anything is read or installed;
never as a problem of the user's lock."""

from __future__ import annotations

import inspect
import re
import sys

from importlib.metadata import version
from typing import TYPE_CHECKING
from typing import Any

import pytest

from cleo.testers.command_tester import CommandTester
from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin
from poetry_plugin_install_locked.poetry_support import INTERNALS


if TYPE_CHECKING:
    from pathlib import Path

    from poetry_plugin_install_locked.poetry_support import Internal


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


def without(internal: Internal, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Poetry whose `internal` is gone: an attribute deleted, or one its
    instances had that their `__init__` no longer assigns."""
    if not internal.instance:
        monkeypatch.delattr(internal.owner, internal.name)
        return
    others = [
        i.name
        for i in INTERNALS
        if i.instance and i.owner is internal.owner and i.name != internal.name
    ]
    body = "".join(f"    self.{name} = None\n" for name in others) or "    pass\n"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, *args, **kwargs):\n{body}", namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__signature__ = inspect.signature(internal.owner.__init__)
    monkeypatch.setattr(internal.owner, "__init__", init)


def assigned_by_init(internal: Internal) -> list[str]:
    """The problems of a replaced `__init__` that no longer assigns what the
    instances had."""
    return [
        f"it has no {i}" for i in INTERNALS if i.instance and i.owner is internal.owner
    ]


@pytest.mark.parametrize("internal", INTERNALS, ids=str)
def test_a_missing_internal(
    internal: Internal,
    tester: CommandTester,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without(internal, monkeypatch)
    problems = [f"it has no {internal}"]
    if internal.name == "__init__":
        # A base class's __init__ takes over: what it lacks is named, and so is
        # every attribute the instances no longer get.
        accepted = inspect.signature(internal.owner.__init__).parameters
        missing = [p for p in internal.parameters if p not in accepted]
        problems = [f"{internal} takes no {', '.join(missing)}"]
        problems += [
            f"it has no {i}"
            for i in INTERNALS
            if i.instance and i.owner is internal.owner
        ]
    assert run(tester, project) == unsupported("; ".join(problems))


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
    problems = [f"{internal} takes no {', '.join(internal.parameters)}"]
    if internal.name == "__init__":
        problems += assigned_by_init(internal)
    assert run(tester, project) == unsupported("; ".join(problems))


def test_every_problem_is_named_in_the_one_line(
    tester: CommandTester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = INTERNALS[0], INTERNALS[1]
    without(first, monkeypatch)
    without(second, monkeypatch)

    error = run(tester, project)

    assert re.search(rf"it has no {first}; it has no {second}\)", error), error


def test_a_poetry_whose_modules_the_plugin_cannot_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The commands load when they run: a Poetry so different that the plugin's
    own modules fail to import still gets the one line, not a traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(
        sys.modules, "poetry_plugin_install_locked.install_command", None
    )
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
