from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.plugins.application_plugin import ApplicationPlugin


if TYPE_CHECKING:
    from poetry.console.application import Application
    from poetry.console.commands.command import Command


COMMANDS = ("install-locked", "lock-slice")


class InstallLockedApplicationPlugin(ApplicationPlugin):
    """Registers the commands by name; their modules (and Poetry's installer,
    which they import) load only when one of them runs, not with every Poetry
    command."""

    @property
    def commands(self) -> list[type[Command]]:
        from poetry_plugin_install_locked.command import InstallLockedCommand
        from poetry_plugin_install_locked.command import LockSliceCommand

        return [InstallLockedCommand, LockSliceCommand]

    def activate(self, application: Application) -> None:
        for name in COMMANDS:
            application.command_loader.register_factory(name, _factory(name))


def _factory(name: str) -> type[Command]:
    def create() -> Command:
        command = next(
            c for c in InstallLockedApplicationPlugin().commands if c.name == name
        )
        return command()

    return create  # type: ignore[return-value]
