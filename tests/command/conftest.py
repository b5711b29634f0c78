from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cleo.testers.command_tester import CommandTester
from poetry.console.application import Application

from poetry_plugin_install_locked.plugins import InstallLockedApplicationPlugin
from tests.support.committed import COMMITTED
from tests.support.locks import LOCK


if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session")
def committed_app() -> Path:
    """The fixture app and the lock `poetry lock` wrote for it (committed, with
    placeholder addresses: nothing here reaches them). Copy, never write."""
    return COMMITTED


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
