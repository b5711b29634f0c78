"""Property: whatever a lock file says, the command ends in a clean state.

Real lock files (the fixture app's, written by `poetry lock`, and the unit-test
lock) are mutated (values replaced by other types, keys deleted, tables
duplicated, text truncated) and run through the real command in --dry-run mode.
The command either accepts the lock (exit 0) or stops with one line and exit 1;
it never ends in a traceback.
"""

from __future__ import annotations

import copy

from typing import TYPE_CHECKING
from typing import Any

import pytest
import tomlkit

from cleo.testers.command_tester import CommandTester
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin
from tests.support.locks import LOCK
from tests.support.poetry_cli import make_venv


if TYPE_CHECKING:
    from pathlib import Path


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.just(""),
    st.just("../../etc"),
    st.just("9.9"),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested tables and lists."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    if draw(st.integers(0, 9)) == 0:
        return text[: draw(st.integers(0, len(text)))]
    data = tomlkit.parse(text).unwrap()
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(paths(data)))
        parent = data
        for key in target[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[target[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[target[-1]]))
        else:
            parent[target[-1]] = draw(VALUES)
    try:
        return tomlkit.dumps(data)
    except (TypeError, ValueError):
        return text + "\n[[package]\n"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An existing .venv, adopted as Poetry would, so that each example is fast."""
    directory = tmp_path_factory.mktemp("hostile")
    make_venv(directory / ".venv")
    return directory


def run(directory: Path, lock: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.chdir(directory)
    # Hypothesis's text, any Unicode: the same bytes on every platform.
    (directory / "poetry.lock").write_bytes(lock.encode("utf-8"))
    application = Application()
    InstallLockedApplicationPlugin().activate(application)
    tester = CommandTester(application.find("install-locked"))
    status = tester.execute("--dry-run --all-groups --all-extras")
    return status, tester.io.fetch_error()


def check(status: int, error: str) -> None:
    assert status in (0, 1), error
    if status == 1:
        lines = error.strip().splitlines()
        assert len(lines) == 1, error
        assert "Traceback" not in error


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_unit_lock_never_ends_in_a_traceback(
    data: st.DataObject, venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(*run(venv, data.draw(mutated(LOCK)), monkeypatch))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_real_lock_never_ends_in_a_traceback(
    data: st.DataObject,
    committed_app: Path,
    venv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lock = (committed_app / "poetry.lock").read_text()
    check(*run(venv, data.draw(mutated(lock)), monkeypatch))
