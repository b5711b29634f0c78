from __future__ import annotations

import importlib

from typing import TYPE_CHECKING

from poetry.console.commands.command import Command
from poetry.plugins.application_plugin import ApplicationPlugin

from poetry_plugin_install_locked.exceptions import unsupported_poetry_message


if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.console.application import Application


# Each command's module and class, loaded only when the command runs.
COMMANDS = {
    "install-locked": (
        "poetry_plugin_install_locked.install_command",
        "InstallLockedCommand",
    ),
    "lock-slice": ("poetry_plugin_install_locked.slice_command", "LockSliceCommand"),
}


class InstallLockedApplicationPlugin(ApplicationPlugin):
    """Registers the commands by name; their modules (and Poetry's installer,
    which they import) load only when one of them runs, not with every Poetry
    command."""

    def activate(self, application: Application) -> None:
        for name in COMMANDS:
            application.command_loader.register_factory(name, _factory(name))


def _command_class(name: str) -> type[Command]:
    module, class_name = COMMANDS[name]
    command: type[Command] = getattr(importlib.import_module(module), class_name)
    return command


def _factory(name: str) -> Callable[[], Command]:
    def create() -> Command:
        try:
            command = _command_class(name)
        except (ImportError, AttributeError) as e:
            # A Poetry whose modules the plugin cannot import at all.
            return _Unsupported(name, e)
        return command()

    return create


class _Unsupported(Command):
    """Says in one line that this Poetry is not supported, whatever it is asked."""

    description = "Not available: this Poetry version is not supported."

    def __init__(self, name: str, problem: Exception) -> None:
        self.name = name
        super().__init__()
        self.ignore_validation_errors()
        self._problem = problem

    def handle(self) -> int:
        message = unsupported_poetry_message(
            f"{type(self._problem).__name__}: {self._problem}"
        )
        self.line_error(f"<error>{' '.join(message.split())}</>")
        return 1
