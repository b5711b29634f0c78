from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.plugins.application_plugin import ApplicationPlugin

from poetry_plugin_install_locked.command import InstallLockedCommand
from poetry_plugin_install_locked.command import LockSliceCommand


if TYPE_CHECKING:
    from poetry.console.commands.command import Command


class InstallLockedApplicationPlugin(ApplicationPlugin):
    @property
    def commands(self) -> list[type[Command]]:
        return [InstallLockedCommand, LockSliceCommand]
